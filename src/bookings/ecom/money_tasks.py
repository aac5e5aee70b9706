"""Refunds and fees carried out with the payment provider (notes §3): decided in a unit of
work (a task row, committed with the booking or order change that asks for it), carried out
after it — never inside a transaction — and recorded in another.

A task is claimed by moving its ``due_date`` a lease ahead, so of several processes one
runs it; a crash leaves it due again when the lease ends. Its id makes each provider call
idempotent (the refund of each payment is ``{task}:{payment}``, a fee's charge is the task),
and the payments it already refunded are listed in ``detail``, so a retried task neither
refunds nor records anything twice. A failure is retried with a growing delay; a refusal
of the provider ends it ``FAILED`` (logged; the order shows what was refunded).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from bookings.ecom import balances, pricing
from bookings.ecom.models import ecom_money_tasks, ecom_payments
from bookings.ecom.order_bookings import confirm_bookings, mirror_on_bookings, system_of
from bookings.ecom.order_store import order_row, save_order
from bookings.platform.db import Database, UnitOfWork, utcnow
from bookings.platform.payments import PaymentProvider
from bookings.platform.wire import new_id

log = logging.getLogger("bookings.payments")

LEASE = timedelta(seconds=120)
#: The signal a commit that queued a task for the runner sends (:meth:`UnitOfWork.signal`).
SIGNAL = "money_tasks"
MAX_ATTEMPTS = 8
_t = ecom_money_tasks


async def enqueue(
    uow: UnitOfWork,
    order_id: str,
    booking_id: str | None,
    kind: str,
    amount: Decimal,
    now: datetime,
    *,
    claimed: bool = False,
    detail: str | None = None,
) -> str:
    """Add a task (``CONFIRM``, ``REFUND`` or ``FEE``) in the caller's unit of work;
    ``claimed``: the caller runs it itself right after the commit."""
    task_id = new_id()
    if not claimed:
        uow.signal(SIGNAL)
    await uow.insert(
        _t,
        {
            "id": task_id,
            "order_id": order_id,
            "booking_id": booking_id,
            "kind": kind,
            "amount": f"{amount:.2f}",
            "status": "PENDING",
            "attempts": 0,
            "due_date": now + LEASE if claimed else now,
            "detail": detail,
            "created_date": now,
            "updated_date": now,
        },
    )
    return task_id


async def confirm_later(uow: UnitOfWork, order_id: str, now: datetime, *, online: bool) -> None:
    """Queue (claimed) the confirmation of an order's bookings in the unit of work that
    approves it: a crash after that commit leaves the task due, and the runner confirms them
    (spec E.4). ``online``: a booking whose slot was taken is declined and refunded."""
    detail = "online" if online else "offline"
    await enqueue(uow, order_id, None, "CONFIRM", pricing.ZERO, now, claimed=True, detail=detail)


async def run_order_tasks(
    db: Database, provider: PaymentProvider | None, site_id: str, order_id: str
) -> None:
    """Run, now, the pending tasks an order's change just queued (claimed)."""
    async with db.read(site_id) as scope:
        ids = await scope.all(
            scope.select(_t, _t.c.id)
            .where(_t.c.order_id == order_id)
            .where(_t.c.status == "PENDING")
            .order_by(_t.c.created_date)
        )
    for (task_id,) in ids:
        await run_task(db, provider, site_id, task_id)


async def run_due_tasks(db: Database, provider: PaymentProvider | None, *, limit: int = 50) -> int:
    """Run the tasks that are due, of every site; answers how many ran."""
    now = utcnow()
    async with db.connect_for_read() as conn:
        due = (
            await conn.execute(
                sa.select(_t.c.site_id, _t.c.id, _t.c.due_date)
                .where(_t.c.status == "PENDING")
                .where(_t.c.due_date <= now)
                .order_by(_t.c.due_date)
                .limit(limit)
            )
        ).all()
    ran = 0
    for site_id, task_id, due_date in due:
        async with db.write(site_id) as uow:
            claimed = await uow.run(
                uow.update(_t)
                .where(_t.c.id == task_id)
                .where(_t.c.status == "PENDING")
                .where(_t.c.due_date == due_date)
                .values(due_date=now + LEASE)
            )
        if claimed.rowcount == 1:
            await run_task(db, provider, site_id, task_id)
            ran += 1
    return ran


async def run_payment_tasks(
    db: Database, provider: PaymentProvider | None, every_seconds: int
) -> None:
    """The background runner (until cancelled): at once, after every commit of this process
    that queued a task for it (a cancel's refund or fee), and every ``every_seconds`` (the
    tasks of other processes, and the ones left by a crash)."""
    wake = asyncio.Event()
    stop = db.on_signal(SIGNAL, wake.set)
    try:
        while True:
            wake.clear()
            try:
                await run_due_tasks(db, provider)
            except Exception:  # pragma: no cover - logged, retried on the next pass
                log.exception("payment tasks failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=every_seconds)
    finally:
        stop()


async def run_task(
    db: Database, provider: PaymentProvider | None, site_id: str, task_id: str
) -> None:
    """Carry out one claimed task; a failure is retried later."""
    async with db.read(site_id) as scope:
        task = await scope.one_or_none(scope.select(_t).where(_t.c.id == task_id))
    if task is None or task.status != "PENDING":
        return
    try:
        if task.kind == "CONFIRM":
            await _confirm(db, provider, site_id, task)
            return
        if task.kind == "REFUND":
            await _refund(db, provider, site_id, task)
        else:
            await _charge_fee(db, provider, site_id, task)
    except _Refused as exc:
        await _finish(db, site_id, task_id, "FAILED", str(exc))
        log.error("payment task %s (%s) refused: %s", task_id, task.kind, exc)
        return
    except Exception as exc:
        attempts = task.attempts + 1
        status = "FAILED" if attempts >= MAX_ATTEMPTS else "PENDING"
        delay = timedelta(seconds=30 * 2**attempts)
        async with db.write(site_id) as uow:
            await uow.run(
                uow.update(_t)
                .where(_t.c.id == task_id)
                .values(
                    attempts=attempts,
                    status=status,
                    due_date=utcnow() + delay,
                    detail=f"attempt {attempts}: {exc}"[:500],
                    updated_date=utcnow(),
                )
            )
        log.warning(
            "payment task %s (%s) failed, attempt %d: %s", task_id, task.kind, attempts, exc
        )
        return
    async with db.read(site_id) as scope:
        order = (await order_row(scope, task.order_id)).doc
    await mirror_on_bookings(db, system_of(site_id), order)


async def _confirm(
    db: Database, provider: PaymentProvider | None, site_id: str, task: sa.Row[Any]
) -> None:
    async with db.read(site_id) as scope:
        order = (await order_row(scope, task.order_id)).doc
    online = task.detail == "online"
    declined = await confirm_bookings(db, system_of(site_id), order, decline_if_taken=online)
    now = utcnow()
    async with db.write(site_id) as uow:
        if online:
            for booking_id in declined:
                amount = balances.refundable(order, booking_id)
                if amount > 0:
                    await enqueue(uow, task.order_id, booking_id, "REFUND", amount, now)
        await _finish_in(uow, task.id, "DONE", f"declined: {len(declined)}", now)
    if online and declined:
        await run_order_tasks(db, provider, site_id, task.order_id)


class _Refused(Exception):
    """The provider refused (or cannot do) what the task asks: retrying will not help."""


async def _refund(
    db: Database, provider: PaymentProvider | None, site_id: str, task: sa.Row[Any]
) -> None:
    done: list[str] = orjson.loads(task.detail) if task.detail else []
    left = pricing.amount(task.amount)
    async with db.read(site_id) as scope:
        payments = await scope.all(
            scope.select(ecom_payments)
            .where(ecom_payments.c.order_id == task.order_id)
            .where(ecom_payments.c.status == "APPROVED")
            .order_by(ecom_payments.c.created_date)
        )
    for payment in payments:
        if payment.id in done:
            continue
        room = pricing.amount(payment.amount) - pricing.amount(payment.refunded)
        part = min(room, left)
        if part <= 0:
            continue
        if provider is None or provider.id != payment.provider or not payment.provider_ref:
            raise _Refused(f"payment {payment.id} was taken by {payment.provider!r}, not here")
        if not await provider.refund(payment.provider_ref, part, f"{task.id}:{payment.id}"):
            raise _Refused(f"{provider.id} refused the refund of payment {payment.id}")
        done.append(payment.id)
        await _record_refund(db, site_id, task, part, payment.id, done)
        left -= part
    if left > 0:
        # Money taken offline (Mark As Paid, manual payments): given back by the business,
        # recorded here as a manual refund.
        await _record_refund(db, site_id, task, left, None, done)
    await _finish(db, site_id, task.id, "DONE", orjson.dumps(done).decode())


async def _record_refund(
    db: Database,
    site_id: str,
    task: sa.Row[Any],
    amount: Decimal,
    payment_id: str | None,
    done: list[str],
) -> None:
    now = utcnow()
    async with db.write(site_id) as uow:
        if payment_id is not None:
            payment = await uow.one_or_none(
                uow.select(ecom_payments).where(ecom_payments.c.id == payment_id)
            )
            assert payment is not None
            refunded = pricing.amount(payment.refunded) + amount
            await uow.run(
                uow.update(ecom_payments)
                .where(ecom_payments.c.id == payment_id)
                .values(refunded=f"{refunded:.2f}", updated_date=now)
            )
        row = await order_row(uow, task.order_id)
        order = copy.deepcopy(row.doc)
        balances.add_to(order, ("balanceSummary", "refunded"), amount)
        balances.rebalance(order)
        await save_order(uow, row, order, now)
        await uow.run(
            uow.update(_t)
            .where(_t.c.id == task.id)
            .values(detail=orjson.dumps(done).decode(), updated_date=now)
        )


async def _charge_fee(
    db: Database, provider: PaymentProvider | None, site_id: str, task: sa.Row[Any]
) -> None:
    async with db.read(site_id) as scope:
        first = await scope.one_or_none(
            scope.select(ecom_payments)
            .where(ecom_payments.c.order_id == task.order_id)
            .where(ecom_payments.c.status == "APPROVED")
            .where(ecom_payments.c.kind.in_(["FULL", "DEPOSIT", "BALANCE"]))
            .order_by(ecom_payments.c.created_date)
            .limit(1)
        )
        already = await scope.one_or_none(
            scope.select(ecom_payments).where(ecom_payments.c.id == task.id)
        )
    if already is not None:
        await _finish(db, site_id, task.id, "DONE", "charged")
        return
    usable = (
        first is not None
        and provider is not None
        and provider.id == first.provider
        and first.provider_ref
    )
    if not usable:
        await _finish(db, site_id, task.id, "DONE", "no saved card: the fee is on the balance")
        return
    assert first is not None and provider is not None
    amount = pricing.amount(task.amount)
    session = await provider.charge_saved(first.provider_ref, amount, first.currency, task.id)
    if session.status == "DECLINED":
        await _finish(db, site_id, task.id, "DONE", "charge declined: the fee is on the balance")
        return
    now = utcnow()
    async with db.write(site_id) as uow:
        await uow.insert(
            ecom_payments,
            {
                "id": task.id,
                "order_id": task.order_id,
                "provider": provider.id,
                "provider_ref": session.provider_ref,
                "kind": "FEE",
                "amount": f"{amount:.2f}",
                "currency": first.currency,
                # PENDING: the provider's event about it settles it (online.apply_event).
                "status": session.status,
                "refunded": "0.00",
                "redirect_url": None,
                "created_date": now,
                "updated_date": now,
            },
        )
        if session.status == "APPROVED":
            row = await order_row(uow, task.order_id)
            order = copy.deepcopy(row.doc)
            balances.add_to(order, ("balanceSummary", "paid"), amount)
            balances.rebalance(order)
            await save_order(uow, row, order, now)
        await _finish_in(uow, task.id, "DONE", f"charge {session.status}", now)


async def _finish(db: Database, site_id: str, task_id: str, status: str, detail: str) -> None:
    async with db.write(site_id) as uow:
        await _finish_in(uow, task_id, status, detail, utcnow())


async def _finish_in(
    uow: UnitOfWork, task_id: str, status: str, detail: str, now: datetime
) -> None:
    await uow.run(
        uow.update(_t)
        .where(_t.c.id == task_id)
        .values(status=status, detail=detail[:500], updated_date=now)
    )
