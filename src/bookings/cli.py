"""``bookings``: serve | worker | migrate | sites ... | keys ... | feeds ... | webhooks ..."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

from bookings import __version__, cli_webhooks
from bookings.cli_common import db_options, settings_of, with_services
from bookings.config import Settings
from bookings.platform.errors import ApiError


def _describe_db(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith("sqlite"):
        return f"SQLite at {url.split(':///', 1)[-1]}"
    return "PostgreSQL at " + url.split("@")[-1]


def _banner_urls(base: str, site: Any | None) -> list[str]:
    """The addresses a person opens first, one a line, each with what it is."""
    rows = [(f"{base}/", "start page: where everything is")]
    dashboard = "dashboard, for the business"
    if site is not None:
        rows.append((f"{base}/book/{site.slug}", f"booking page of {site.name}"))
        dashboard += " (sign in with the key below)"
    rows += [
        (f"{base}/dashboard", dashboard),
        (f"{base}/docs", "API reference: try every call in the browser"),
    ]
    width = max(len(url) for url, _ in rows)
    return [f"    {url:<{width}}  {what}" for url, what in rows]


async def _prepare_serve(settings: Settings) -> int:
    """Migrate, make the site (or the demo site), then print the banner: the first thing a
    person reads (the demo seeding logs nothing at info level)."""
    from bookings.demo import ensure_demo_site
    from bookings.identity import service as identity

    async def work(services: Any) -> int:
        base = f"http://{settings.host}:{settings.port}"
        lines: list[str] = []
        site = None
        if settings.site_id or settings.admin_api_key:
            if not (settings.site_id and settings.admin_api_key):
                print("Set both BOOKINGS_SITE_ID and BOOKINGS_ADMIN_API_KEY, or neither.")
                return 2
            site, created = await identity.ensure_site_with_admin_key(
                services.db, settings.site_id, settings.admin_api_key, settings.site_time_zone
            )
            key = "$BOOKINGS_ADMIN_API_KEY"
            lines += [
                "  admin API key    the one in BOOKINGS_ADMIN_API_KEY",
                f"  Site ({'created' if created else 'existing'}, no demo data):",
                f"    site id          {site.site_id}",
                f"    client id        {site.client_id}",
                f"    time zone        {site.time_zone}",
            ]
        elif settings.demo:
            demo, created = await ensure_demo_site(services, settings.data_dir)
            site = await identity.get_site(services.db, demo.site_id)
            key = demo.admin_api_key
            lines += [
                f"  admin API key    {demo.admin_api_key}",
                f'  Demo site "{demo.name}" ({"created now" if created else "existing"}):',
                f"    site id          {demo.site_id}",
                f"    client id        {demo.client_id}   (visitor tokens: POST /oauth2/token)",
                f"    time zone        {demo.time_zone}",
                *demo.catalog,
            ]
        else:
            key = "<admin key>"
            lines.append(
                "  No demo site (--no-demo). Create one: bookings sites create --name NAME"
            )
        print(f"Bookings server {__version__} — {_describe_db(settings)}")
        print("  Open in a browser:")
        for line in [*_banner_urls(base, site), *lines]:
            print(line)
        print(f"  OpenAPI          {base}/openapi.json")
        print(f"  Health           {base}/healthz")
        print(
            f"  Try              curl -s -X POST {base}/_api/bookings/v2/services/query "
            f"-H 'Authorization: {key}' -d '{{\"query\": {{}}}}'"
        )
        print()
        sys.stdout.flush()
        return 0

    return await with_services(settings, work)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bookings.app import create_app
    from bookings.platform.logs import configure_logging

    settings = settings_of(args)
    configure_logging(settings.log_json)
    rc = asyncio.run(_prepare_serve(settings))
    if rc:
        return rc
    workers = serve_workers(args.workers, settings)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "proxy_headers": True,
        "timeout_graceful_shutdown": 30,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **common)
        return 0
    # N processes: each builds the app from the environment, which carries what the command
    # line said (the database, the data folder, the demo, the dispatcher).
    os.environ.update(
        BOOKINGS_DATABASE_URL=settings.database_url,
        BOOKINGS_DATA_DIR=str(settings.data_dir),
        BOOKINGS_DEMO="1" if settings.demo else "0",
        BOOKINGS_DISPATCHER="1" if settings.dispatcher else "0",
    )
    uvicorn.run("bookings.app:app_from_env", factory=True, workers=workers, **common)
    return 0


def serve_workers(asked: int | None, settings: Settings) -> int:
    """How many server processes: as asked (or ``BOOKINGS_WORKERS``), else one per CPU on
    PostgreSQL and one on SQLite (a SQLite file takes one writer at a time: more processes
    would only queue behind each other)."""
    if asked is None:
        env = os.environ.get("BOOKINGS_WORKERS", "").strip()
        asked = int(env) if env.isdigit() else None
    if asked is not None:
        return max(1, asked)
    return 1 if settings.database_url.startswith("sqlite") else max(1, os.cpu_count() or 1)


def cmd_migrate(args: argparse.Namespace) -> int:
    from bookings import migrations

    settings = settings_of(args)

    async def work(services: Any) -> int:
        revision = await migrations.current_revision(services.db)
        print(f"{_describe_db(settings)} is at revision {revision}")
        return 0

    return asyncio.run(with_services(settings, work))


def cmd_sites_create(args: argparse.Namespace) -> int:
    from bookings.identity import service as identity
    from bookings.platform.auth import Role

    async def work(services: Any) -> int:
        site = await identity.create_site(services.db, args.name, args.time_zone, args.site_id)
        _, key = await identity.create_api_key(services.db, site.site_id, Role.ADMIN, "admin key")
        print(f"site id        {site.site_id}")
        print(f"client id      {site.client_id}")
        print(f"time zone      {site.time_zone}")
        print(f"admin API key  {key}   (shown once; stored hashed)")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_sites_list(args: argparse.Namespace) -> int:
    from bookings.identity import service as identity

    async def work(services: Any) -> int:
        for site in await identity.list_sites(services.db):
            print(f"{site.site_id}  {site.time_zone:<24} {site.name}")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def _print_setting(view: Any) -> None:
    default = ""
    if view.default is not None and not view.is_default:
        default = f"   (default: {view.default_text or '(empty)'})"
    print(f"{view.key:<26} = {view.text or '(empty)'}{default}")
    print(f"{'':<29}{view.description}")


def cmd_sites_settings(args: argparse.Namespace) -> int:
    """Print a site's settings, or change some: ``KEY=VALUE`` (``KEY=``: the default)."""
    from bookings.identity import service as identity
    from bookings.identity import site_settings
    from bookings.platform.errors import InvalidRequest

    try:
        changes = site_settings.parse_assignments(args.assignments)
    except site_settings.SettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(services: Any) -> int:
        site = await identity.site_by_slug(services.db, args.site)
        if site is None:
            print(f"error: no site with the id or address {args.site!r}", file=sys.stderr)
            return 1
        if not changes:
            print(f"Settings of {site.name} (site {site.site_id}, booking page /book/{site.slug})")
            for view in identity.site_settings_view(site):
                _print_setting(view)
            print("Change: bookings sites settings SITE KEY=VALUE ...   (KEY= resets it)")
            return 0
        try:
            site = await identity.update_site_settings(services.db, site.site_id, changes)
        except InvalidRequest as exc:
            for violation in exc.violations:
                print(f"error: {violation.field}: {violation.description}", file=sys.stderr)
            print("nothing was changed", file=sys.stderr)
            return 2
        print(f"Changed, for {site.name} (site {site.site_id}):")
        for view in identity.site_settings_view(site):
            if view.key in changes:
                _print_setting(view)
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_keys_create(args: argparse.Namespace) -> int:
    from bookings.identity import service as identity
    from bookings.platform.auth import Role

    async def work(services: Any) -> int:
        key, plaintext = await identity.create_api_key(
            services.db, args.site, Role(args.role.upper()), args.name or ""
        )
        print(f"key id   {key.id}")
        print(f"role     {key.role.value}")
        print(f"API key  {plaintext}   (shown once; stored hashed)")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_keys_list(args: argparse.Namespace) -> int:
    from bookings.identity import service as identity

    async def work(services: Any) -> int:
        for key in await identity.list_api_keys(services.db, args.site):
            state = "revoked" if key.revoked_date else "active"
            print(f"{key.id}  {key.role.value:<5} {state:<7} …{key.key_hint}  {key.name}")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from bookings.identity import service as identity

    async def work(services: Any) -> int:
        key = await identity.revoke_api_key(services.db, args.key)
        print(f"revoked {key.id} ({key.role.value} key of site {key.site_id})")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def _print_feed(feed: Any) -> None:
    who = f"staff {feed.staff_member_id}" if feed.staff_member_id else "site"
    print(f"{who:<42} {feed.name}")
    print(f"  {feed.url}")


def cmd_feeds_list(args: argparse.Namespace) -> int:
    from bookings.feeds import service as feeds

    settings = settings_of(args)

    async def work(services: Any) -> int:
        found = await feeds.list_feeds(services.db, services.signer, settings.public_url, args.site)
        for feed in found:
            _print_feed(feed)
        return 0

    return asyncio.run(with_services(settings, work))


def cmd_feeds_rotate(args: argparse.Namespace) -> int:
    from bookings.feeds import service as feeds

    settings = settings_of(args)

    async def work(services: Any) -> int:
        feed = await feeds.rotate_feed(
            services.db, services.signer, settings.public_url, args.site, args.staff
        )
        print("rotated (the old URL answers 404 from now on):")
        _print_feed(feed)
        return 0

    return asyncio.run(with_services(settings, work))


def cmd_worker(args: argparse.Namespace) -> int:
    """The webhook dispatcher alone (scale-out: ``serve --no-dispatcher`` + N workers)."""
    from bookings.platform.logs import configure_logging
    from bookings.webhooks import ports as webhooks

    settings = settings_of(args)
    configure_logging(settings.log_json)

    async def work(services: Any) -> int:
        print(f"Bookings worker {__version__} — {_describe_db(settings)}")
        sys.stdout.flush()
        dispatcher = webhooks.Dispatcher(services.db, config=webhooks.dispatcher_config(settings))
        await dispatcher.run()
        return 0

    try:
        return asyncio.run(with_services(settings, work))
    except KeyboardInterrupt:
        return 0


def build_parser() -> argparse.ArgumentParser:
    from bookings.identity.site_settings import SETTINGS

    parser = argparse.ArgumentParser(prog="bookings", description=__doc__)
    parser.add_argument("--version", action="version", version=f"bookings {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, seed the demo site, serve HTTP")
    serve.add_argument("--host", help="default: $BOOKINGS_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: $BOOKINGS_PORT or 8080")
    serve.add_argument("--no-demo", action="store_true", help="default: unless BOOKINGS_DEMO=0")
    serve.add_argument(
        "--no-dispatcher",
        action="store_true",
        help="do not deliver webhooks here (run `bookings worker`); default: unless "
        "BOOKINGS_DISPATCHER=0",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes; default: $BOOKINGS_WORKERS, else one per CPU on PostgreSQL "
        "and 1 on SQLite",
    )
    db_options(serve)
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the webhook dispatcher alone")
    db_options(worker)
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    db_options(migrate)
    migrate.set_defaults(func=cmd_migrate)

    sites = sub.add_parser("sites", help="manage sites").add_subparsers(dest="sites", required=True)
    create = sites.add_parser("create", help="create a site and its first admin key")
    create.add_argument("--name", required=True)
    create.add_argument("--time-zone", default="UTC", help="IANA name, e.g. Europe/London")
    create.add_argument("--site-id", help="use this GUID as the site id")
    db_options(create)
    create.set_defaults(func=cmd_sites_create)
    listing = sites.add_parser("list", help="list sites")
    db_options(listing)
    listing.set_defaults(func=cmd_sites_list)
    settings = sites.add_parser(
        "settings",
        help="print a site's settings, or change them with KEY=VALUE",
        description="Without KEY=VALUE: every setting, its value, default and meaning. "
        "KEY=VALUE changes one (KEY=10, KEY=a,b, KEY=true, KEY=none for an empty list); "
        "KEY= resets it to its default. One wrong value changes nothing (exit code 2).",
    )
    settings.add_argument("site", help="site id, or the booking page's address (slug)")
    settings.add_argument(
        "assignments", nargs="*", metavar="KEY=VALUE", help="KEY is one of: " + ", ".join(SETTINGS)
    )
    db_options(settings)
    settings.set_defaults(func=cmd_sites_settings)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys", required=True)
    kcreate = keys.add_parser("create", help="create an API key")
    kcreate.add_argument("--site", required=True, help="site id")
    kcreate.add_argument("--role", required=True, choices=["admin", "app", "ADMIN", "APP"])
    kcreate.add_argument("--name")
    db_options(kcreate)
    kcreate.set_defaults(func=cmd_keys_create)
    klist = keys.add_parser("list", help="list a site's API keys")
    klist.add_argument("--site", required=True)
    db_options(klist)
    klist.set_defaults(func=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke an API key (by id or by the key itself)")
    revoke.add_argument("key")
    db_options(revoke)
    revoke.set_defaults(func=cmd_keys_revoke)

    feeds = sub.add_parser("feeds", help="calendar feed URLs (ICS)").add_subparsers(
        dest="feeds", required=True
    )
    flist = feeds.add_parser("list", help="the site's and every staff member's feed URL")
    flist.add_argument("--site", required=True, help="site id")
    db_options(flist)
    flist.set_defaults(func=cmd_feeds_list)
    rotate = feeds.add_parser("rotate", help="give a feed a new URL (the old one stops working)")
    rotate.add_argument("--site", required=True, help="site id")
    rotate.add_argument("--staff", help="staff member id (default: the site's own feed)")
    db_options(rotate)
    rotate.set_defaults(func=cmd_feeds_rotate)

    cli_webhooks.add_commands(sub)

    users = sub.add_parser("dashboard-users", help="people who sign in to the dashboard")
    ucreate = users.add_subparsers(dest="users", required=True).add_parser(
        "create", help="a dashboard user of a site (e-mail and password; acts as its admin)"
    )
    ucreate.add_argument("--site", required=True, help="site id")
    ucreate.add_argument("--email", required=True)
    ucreate.add_argument(
        "--password",
        help="at least 10 characters (asked for when not given; or BOOKINGS_DASHBOARD_PASSWORD)",
    )
    ucreate.set_defaults(func=cmd_dashboard_users_create)
    db_options(ucreate)
    return parser


def cmd_dashboard_users_create(args: argparse.Namespace) -> int:
    import getpass
    import os

    from bookings.identity import service as identity

    password = args.password or os.environ.get("BOOKINGS_DASHBOARD_PASSWORD")
    if not password:
        password = getpass.getpass("Password (at least 10 characters): ")

    async def work(services: Any) -> int:
        user = await identity.create_dashboard_user(services.db, args.site, args.email, password)
        print(f"dashboard user {user.email} of site {user.site_id}: sign in at /dashboard/login")
        return 0

    return asyncio.run(with_services(settings_of(args), work))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ApiError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
