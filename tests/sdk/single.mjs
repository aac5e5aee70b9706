// One appointment booking through the SDK: create it, read it back through the extended
// bookings module, cancel it, then cancel it again with its old revision (an error).
// Input (BOOKINGS_SDK_INPUT): {"slot": {serviceId, scheduleId, startDate, endDate, timezone,
// resourceId}}. Prints what the SDK returned; see lib.mjs.
import * as bookings from '@wix/auto_sdk_bookings_bookings';
import * as extendedBookings from '@wix/auto_sdk_bookings_extended-bookings';
import { appointment, client, describeError, input, run } from './lib.mjs';

const wix = client({ bookings, extendedBookings });

await run(async () => {
  const created = await wix.bookings.createBooking(appointment(input.slot, 'Single'));
  const id = created.booking._id;

  const found = await wix.extendedBookings.queryExtendedBookings({
    filter: { _id: id },
    cursorPaging: { limit: 10 },
  });

  const canceled = await wix.bookings.cancelBooking(id, {
    revision: created.booking.revision,
  });

  let staleCancel = null;
  try {
    await wix.bookings.cancelBooking(id, { revision: created.booking.revision });
  } catch (err) {
    staleCancel = describeError(err);
  }

  return {
    created: created.booking,
    found: found.extendedBookings.map((e) => e.booking),
    canceled: canceled.booking,
    staleCancel,
  };
});
