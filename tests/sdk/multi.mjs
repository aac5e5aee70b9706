// One multi-service booking through the SDK: two appointments back to back, created
// together, read back, canceled together.
// Input (BOOKINGS_SDK_INPUT): {"slots": [slot, slot]} (see single.mjs for a slot).
// Prints what the SDK returned; see lib.mjs.
import * as bookings from '@wix/auto_sdk_bookings_bookings';
import { appointment, client, input, run } from './lib.mjs';

const wix = client({ bookings });

await run(async () => {
  const created = await wix.bookings.createMultiServiceBooking(
    input.slots.map((slot) => appointment(slot, 'Multi')),
    { returnFullEntity: true },
  );
  const id = created.multiServiceBooking._id;
  const fetched = await wix.bookings.getMultiServiceBooking(id);
  const canceled = await wix.bookings.cancelMultiServiceBooking(id, { returnFullEntity: true });
  return {
    created: created.multiServiceBooking,
    fetched,
    canceled: canceled.multiServiceBooking,
  };
});
