"""What every ``bookings`` command shares: its settings from the environment and the command
line, the services it runs with, and the database options."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bookings.config import Settings


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        database_url=getattr(args, "database_url", None),
        data_dir=Path(args.data_dir) if getattr(args, "data_dir", None) else None,
        demo=False if getattr(args, "no_demo", False) else None,
        dispatcher=False if getattr(args, "no_dispatcher", False) else None,
    )


async def with_services(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    from bookings.app import start_services

    services = await start_services(settings)
    try:
        return await work(services)
    finally:
        await services.db.dispose()


def db_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="default: $BOOKINGS_DATABASE_URL or SQLite in var/")
    parser.add_argument("--data-dir", help="default: $BOOKINGS_DATA_DIR or ./var")
