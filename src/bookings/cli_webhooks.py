"""``bookings webhooks ...``: webhook subscriptions and their deliveries from the command
line."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bookings.cli_common import db_options, settings_of, with_services


def cmd_webhooks_create(args: argparse.Namespace) -> int:
    from bookings.webhooks import service as webhooks
    from bookings.webhooks.schemas import WebhookFormat

    async def work(services: Any) -> int:
        hook = await webhooks.create_webhook(
            services.db, args.site, args.url, args.event_type or [], WebhookFormat(args.format)
        )
        print(f"webhook id   {hook['id']}")
        print(f"url          {hook['url']}")
        print(f"event types  {', '.join(hook['eventTypes']) or '(all)'}")
        print(f"format       {hook['format']}")
        if "secret" in hook:
            print(f"secret       {hook['secret']}   (shown once)")
        if "publicKey" in hook:
            print("public key\n" + hook["publicKey"].rstrip())
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_webhooks_list(args: argparse.Namespace) -> int:
    from bookings.webhooks import service as webhooks

    async def work(services: Any) -> int:
        for hook in await webhooks.list_webhooks(services.db, args.site):
            state = "enabled" if hook["enabled"] else "disabled"
            kinds = ",".join(hook["eventTypes"]) or "*"
            print(f"{hook['id']}  {hook['format']:<8} {state:<8} {hook['url']}  {kinds}")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_webhooks_delete(args: argparse.Namespace) -> int:
    from bookings.webhooks import service as webhooks

    async def work(services: Any) -> int:
        await webhooks.delete_webhook(services.db, args.site, args.webhook)
        print(f"deleted {args.webhook}")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_webhooks_deliveries(args: argparse.Namespace) -> int:
    from bookings.webhooks import service as webhooks
    from bookings.webhooks.schemas import DeliveryStatus

    async def work(services: Any) -> int:
        status = DeliveryStatus(args.status.upper()) if args.status else None
        found = await webhooks.list_deliveries(
            services.db, args.site, args.webhook, status, args.limit
        )
        for d in found:
            code = d.get("lastStatusCode", "-")
            nxt = d.get("nextAttemptDate", "")
            print(
                f"{d['id']}  {d['status']:<9} attempts {d['attempts']:<2} last {code!s:<4} "
                f"{d['eventType']}  event {d['eventId']}  {nxt}".rstrip()
            )
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_webhooks_recover(args: argparse.Namespace) -> int:
    from bookings.platform.wire import parse_timestamp
    from bookings.webhooks import service as webhooks

    async def work(services: Any) -> int:
        count = await webhooks.recover_deliveries(
            services.db, args.site, args.webhook, parse_timestamp(args.since)
        )
        print(f"requeued {count} deliveries")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def add_commands(sub: Any) -> None:
    """The ``webhooks`` command and its subcommands."""
    hooks = sub.add_parser("webhooks", help="manage webhook subscriptions").add_subparsers(
        dest="webhooks", required=True
    )
    wcreate = hooks.add_parser("create", help="subscribe a URL to events")
    wcreate.add_argument("--site", required=True, help="site id")
    wcreate.add_argument("--url", required=True)
    wcreate.add_argument(
        "--event-type",
        action="append",
        help="e.g. wix.bookings.v2.booking_created (repeat; none: every type)",
    )
    wcreate.add_argument("--format", default="STANDARD", choices=["STANDARD", "WIX"])
    wcreate.set_defaults(func=cmd_webhooks_create)
    wlist = hooks.add_parser("list", help="list a site's webhooks")
    wlist.add_argument("--site", required=True)
    wlist.set_defaults(func=cmd_webhooks_list)
    wdelete = hooks.add_parser("delete", help="delete a webhook")
    wdelete.add_argument("--site", required=True)
    wdelete.add_argument("webhook", help="webhook id")
    wdelete.set_defaults(func=cmd_webhooks_delete)
    wdeliveries = hooks.add_parser("deliveries", help="list a webhook's deliveries")
    wdeliveries.add_argument("--site", required=True)
    wdeliveries.add_argument("webhook", help="webhook id")
    wdeliveries.add_argument("--status", choices=["pending", "delivered", "failed", "canceled"])
    wdeliveries.add_argument("--limit", type=int, default=100)
    wdeliveries.set_defaults(func=cmd_webhooks_deliveries)
    wrecover = hooks.add_parser("recover", help="send again the failed deliveries since T")
    wrecover.add_argument("--site", required=True)
    wrecover.add_argument("webhook", help="webhook id")
    wrecover.add_argument("--since", required=True, help="an instant, e.g. 2026-01-30T00:00:00Z")
    wrecover.set_defaults(func=cmd_webhooks_recover)
    for command in (wcreate, wlist, wdelete, wdeliveries, wrecover):
        db_options(command)
