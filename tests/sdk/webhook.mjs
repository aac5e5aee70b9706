// A webhook receiver made with the official SDK, as an app would write it: an AppStrategy
// client with the app's public key and a bookings.onBookingCreated handler; it processes a
// body our server signs in Wix's format (bookings.webhooks.wix_format) and prints what the
// handler got. Then a client holding another public key processes the same body (it must
// throw).
// Input (BOOKINGS_SDK_INPUT): {"body": "<JWT>", "appId", "publicKey", "otherPublicKey"}.
import * as bookings from '@wix/auto_sdk_bookings_bookings';
import { AppStrategy, createClient } from '@wix/sdk';
import { describeError, input, run } from './lib.mjs';

function receiver(publicKey, handled) {
  const app = createClient({
    auth: AppStrategy({ appId: input.appId, publicKey }),
    modules: { bookings },
  });
  app.bookings.onBookingCreated((event) => {
    handled.push(event);
  });
  return app;
}

await run(async () => {
  const handled = [];
  const processed = await receiver(input.publicKey, handled).webhooks.process(input.body);

  let otherKey = null;
  const notHandled = [];
  try {
    await receiver(input.otherPublicKey, notHandled).webhooks.process(input.body);
  } catch (err) {
    otherKey = describeError(err);
  }

  return {
    handled,
    processed: {
      eventType: processed.eventType,
      instanceId: processed.instanceId,
      identity: processed.identity,
      accountInfo: processed.accountInfo,
    },
    otherKey,
    otherKeyHandled: notHandled.length,
  };
});
