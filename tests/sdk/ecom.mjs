// A booking sold through eCommerce with the SDK: Create Booking (pay offline) with the
// bookings module, Create Checkout with the booking as its line item and Create Order with
// the checkout module, then Get Order (orders module), Get Checkout, and the booking read back
// through the extended bookings module.
// Input (BOOKINGS_SDK_INPUT): {"slot": {serviceId, scheduleId, startDate, endDate, timezone,
// resourceId}, "appId": the Bookings app id}; the slot's service has a fixed price.
// Prints what the SDK returned; see lib.mjs.
import * as bookings from '@wix/auto_sdk_bookings_bookings';
import * as extendedBookings from '@wix/auto_sdk_bookings_extended-bookings';
import * as checkout from '@wix/auto_sdk_ecom_checkout';
import * as orders from '@wix/auto_sdk_ecom_orders';
import { appointment, client, input, run } from './lib.mjs';

const wix = client({ bookings, extendedBookings, checkout, orders });

await run(async () => {
  const booked = await wix.bookings.createBooking({
    ...appointment(input.slot, 'Ecom'),
    selectedPaymentOption: 'OFFLINE',
  });
  const bookingId = booked.booking._id;

  const created = await wix.checkout.createCheckout({
    lineItems: [
      { catalogReference: { appId: input.appId, catalogItemId: bookingId }, quantity: 1 },
    ],
    channelType: 'WEB',
  });
  const checkoutId = created._id; // the SDK hands back the checkout itself

  const ordered = await wix.checkout.createOrder(checkoutId);
  const order = await wix.orders.getOrder(ordered.orderId);
  const completed = await wix.checkout.getCheckout(checkoutId);

  const found = await wix.extendedBookings.queryExtendedBookings({
    filter: { _id: bookingId },
    cursorPaging: { limit: 10 },
  });

  return {
    booked: booked.booking,
    checkout: created,
    ordered,
    order,
    completed,
    found: found.extendedBookings.map((e) => e.booking),
  };
});
