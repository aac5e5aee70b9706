// What every SDK check script shares: a client of the official Wix SDK whose fetch sends the
// SDK's calls to our server instead of Wix, a log of those calls, and JSON output.
//
// Environment: BOOKINGS_SDK_ORIGIN (our server, e.g. http://127.0.0.1:8080),
// BOOKINGS_SDK_API_KEY (an ADMIN key), BOOKINGS_SDK_SITE_ID, and BOOKINGS_SDK_INPUT (JSON: the
// ids and slots the script books, made by the test).
import { ApiKeyStrategy, createClient } from '@wix/sdk';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

export const origin = required('BOOKINGS_SDK_ORIGIN').replace(/\/+$/, '');
export const input = JSON.parse(process.env.BOOKINGS_SDK_INPUT ?? '{}');

// Every call the SDK made: where it meant to go, what it sent, what it got.
export const calls = [];

// The Wix hosts the SDK calls (www.wixapis.com; edge.wixapis.com when it uses the CDN).
const WIX_HOST = /(^|\.)wixapis\.com$/;

function headerObject(headers) {
  const out = {};
  for (const [name, value] of new Headers(headers ?? {}).entries()) {
    out[name] = value;
  }
  return out;
}

async function redirectingFetch(resource, init = {}) {
  const url = new URL(resource instanceof Request ? resource.url : String(resource));
  if (!WIX_HOST.test(url.hostname)) {
    calls.push({ host: url.hostname, path: url.pathname + url.search, refused: true });
    throw new Error(`the SDK called a host this check does not redirect: ${url.host}`);
  }
  const target = origin + url.pathname + url.search;
  const headers = headerObject(resource instanceof Request ? resource.headers : init.headers);
  const call = {
    method: init.method ?? (resource instanceof Request ? resource.method : 'GET'),
    host: url.hostname,
    path: url.pathname + url.search,
    headers,
    body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
  };
  calls.push(call);
  const response = await fetch(target, { ...init, headers });
  call.status = response.status;
  call.requestId = response.headers.get('x-wix-request-id');
  return response;
}

export function client(modules) {
  return createClient({
    modules,
    auth: ApiKeyStrategy({
      apiKey: required('BOOKINGS_SDK_API_KEY'),
      siteId: required('BOOKINGS_SDK_SITE_ID'),
    }),
    fetch: redirectingFetch,
  });
}

// An appointment booking of one slot {serviceId, scheduleId, startDate, endDate, timezone,
// resourceId}, as an app passes it to the SDK (ids as `_id`).
export function appointment(slot, firstName) {
  return {
    bookedEntity: {
      slot: {
        serviceId: slot.serviceId,
        scheduleId: slot.scheduleId,
        startDate: slot.startDate,
        endDate: slot.endDate,
        timezone: slot.timezone,
        resource: { _id: slot.resourceId },
        location: { locationType: 'OWNER_CUSTOM' },
      },
    },
    contactDetails: { firstName, lastName: 'Sdk', email: 'sdk@example.com' },
    totalParticipants: 1,
  };
}

// What an SDK error carries, as an app would read it.
export function describeError(err) {
  return {
    name: err?.name ?? null,
    message: err?.message ?? String(err),
    status: err?.status ?? null,
    code: err?.details?.applicationError?.code ?? null,
    description: err?.details?.applicationError?.description ?? null,
    fieldViolations: err?.details?.validationError?.fieldViolations ?? null,
    requestId: err?.requestId ?? null,
  };
}

// Runs a check: prints {"result": ..., "calls": [...]} or {"error": ..., "calls": [...]} as
// one JSON document on stdout; exits 1 when the check threw.
export async function run(check) {
  try {
    const result = await check();
    process.stdout.write(JSON.stringify({ result, calls }, null, 2) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: describeError(err), calls }, null, 2) + '\n');
    process.exitCode = 1;
  }
}
