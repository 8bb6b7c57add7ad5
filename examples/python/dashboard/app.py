"""The legacy dashboard's JSON endpoints, served by FastAPI on the `inventario` package.

Run it with ``uvicorn app:app`` or ``python app.py`` (see README.md). Configuration comes from
the environment when the app starts, not when this module is imported:

- ``INVENTARIO_URL``: the store (default ``sqlite://./dashboard.db?mode=rwc``);
- ``INVENTARIO_MASTER_KEY`` or ``INVENTARIO_MASTER_PASSPHRASE``: read by the library itself;
- ``INVENTARIO_DASHBOARD_KEYS``: ``key_id:secret`` pairs separated by commas;
- ``INVENTARIO_DASHBOARD_PUBLIC_METRICS``: ``1`` to serve ``/metrics`` without a key.

Handlers are plain ``def`` functions on purpose: FastAPI runs them in its thread pool, and every
``inventario`` call releases the GIL while it works, so slow queries never block the event loop
and several requests proceed in parallel.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

import inventario
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

logger = logging.getLogger("inventario.dashboard")

URL_ENV = "INVENTARIO_URL"
KEYS_ENV = "INVENTARIO_DASHBOARD_KEYS"
PUBLIC_METRICS_ENV = "INVENTARIO_DASHBOARD_PUBLIC_METRICS"
DEFAULT_URL = "sqlite://./dashboard.db?mode=rwc"
#: The actor of the app's own handle: it records failed logins (no key id is known then).
APP_ACTOR = "dashboard"
MIN_SECRET_LENGTH = 16
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="inventario-dashboard"'}
PROMETHEUS_TEXT = "text/plain; version=0.0.4"


# --- JSON -------------------------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """`value` as plain JSON values: Decimals become exact strings ("3500.00"), dates and
    datetimes ISO strings, records (anything with ``to_dict()``) dicts. Floats are refused:
    money and quantities must never pass through one."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")  # never exponent notation: Decimal("1E+1") -> "10"
    if isinstance(value, (date, datetime)):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if hasattr(value, "to_dict"):
        return json_object(value.to_dict())
    raise TypeError(f"cannot serialise {type(value).__name__} exactly")


def json_object(fields: Mapping[str, Any]) -> dict[str, Any]:
    """`fields` through `to_json`, typed as the JSON object it is."""
    out: dict[str, Any] = to_json(fields)
    return out


# --- API keys ---------------------------------------------------------------------------------


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


@dataclass(frozen=True)
class ApiKeys:
    """The configured keys, kept as SHA-256 digests of their secrets."""

    entries: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_mapping(cls, keys: Mapping[str, str]) -> ApiKeys:
        """Keys from ``{key_id: secret}``. Key ids become audit actors; secrets must be at
        least MIN_SECRET_LENGTH characters and distinct."""
        entries: list[tuple[str, bytes]] = []
        for key_id, secret in keys.items():
            key_id = key_id.strip()
            if not key_id or len(key_id) > 200 or ":" in key_id or "," in key_id:
                raise ValueError(f"invalid API key id {key_id!r}")
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"the secret of API key {key_id!r} is shorter than "
                    f"{MIN_SECRET_LENGTH} characters"
                )
            digest = _digest(secret)
            if any(i == key_id or d == digest for i, d in entries):
                raise ValueError(f"API key {key_id!r} repeats an id or a secret")
            entries.append((key_id, digest))
        if not entries:
            raise ValueError("no API keys configured")
        return cls(tuple(entries))

    @classmethod
    def parse(cls, text: str) -> ApiKeys:
        """Keys from ``"key_id1:secret1,key_id2:secret2"`` (the secret is everything after the
        first colon; neither part may contain a comma)."""
        keys: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key_id, sep, secret = item.partition(":")
            if not sep:
                raise ValueError(f"{KEYS_ENV}: expected key_id:secret, got an item without ':'")
            if key_id.strip() in keys:
                raise ValueError(f"{KEYS_ENV}: API key {key_id.strip()!r} appears twice")
            keys[key_id.strip()] = secret.strip()
        return cls.from_mapping(keys)

    def identify(self, secret: str) -> str | None:
        """The id of the key whose secret is `secret`, or None. Compares fixed-length digests
        in constant time against every key, without stopping at a match, so the time taken
        tells neither whether nor which key matched."""
        presented = _digest(secret)
        found: str | None = None
        for key_id, expected in self.entries:
            if hmac.compare_digest(presented, expected) and found is None:
                found = key_id
        return found


# --- the app's state --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    """What the app holds while it runs: the store, one handle per key (acting as its id)."""

    inventory: inventario.Inventory
    keys: ApiKeys
    handles: Mapping[str, inventario.Inventory]
    public_metrics: bool


def _dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


def _presented_secret(request: Request) -> str | None:
    if key := request.headers.get("x-api-key"):
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def caller_store(request: Request) -> inventario.Inventory:
    """The dependency of every authenticated route: the store acting as the caller's key id.

    A missing or wrong key is refused with 401 and recorded as LOGIN_FAILED in the audit chain
    (with the client address, never the secret) for the library's brute-force detector.
    """
    dashboard = _dashboard(request)
    secret = _presented_secret(request)
    key_id = dashboard.keys.identify(secret) if secret is not None else None
    if key_id is not None:
        return dashboard.handles[key_id]
    reason = "missing" if secret is None else "invalid"
    # The socket peer; behind a proxy run uvicorn with --proxy-headers to get the client's.
    ip = request.client.host if request.client else "unknown"
    try:
        dashboard.inventory.record_audit_event(
            "LOGIN_FAILED", table="api_keys", failed=True, detail={"ip": ip, "reason": reason}
        )
    except inventario.InventarioError:
        # The request is refused either way; say so in the server log, not to the client.
        logger.exception("could not record a failed login in the audit chain")
    raise HTTPException(401, detail=f"{reason} API key", headers=WWW_AUTHENTICATE)


def metrics_access(request: Request) -> None:
    """/metrics needs a key unless the app was configured with public metrics."""
    if not _dashboard(request).public_metrics:
        caller_store(request)


Store = Annotated[inventario.Inventory, Depends(caller_store)]


# --- dates ------------------------------------------------------------------------------------


def _range(
    inv: inventario.Inventory, start: date | None, end: date | None, days: int
) -> tuple[date, date]:
    """`start`/`end` with defaults: end today, start `days - 1` days before end (both days
    are included, unlike the legacy filters that dropped the end day)."""
    end = end or inv.today()
    start = start or end - timedelta(days=days - 1)
    if start > end:
        raise HTTPException(
            422, detail=f"start ({start}) must be on or before end ({end}); both days are included"
        )
    return start, end


def _suppliers_by_id(inv: inventario.Inventory) -> dict[int, inventario.Supplier]:
    return {s.id: s for s in inv.suppliers()}


def _code(supplier: inventario.Supplier | None) -> str | None:
    return supplier.code if supplier else None


def _name(supplier: inventario.Supplier | None) -> str | None:
    return supplier.legal_name if supplier else None


# --- the app ----------------------------------------------------------------------------------


def create_app(
    url: str | None = None,
    api_keys: Mapping[str, str] | None = None,
    master_key: str | bytes | None = None,
    *,
    public_metrics: bool | None = None,
) -> FastAPI:
    """The dashboard app. Arguments left as None are read from the environment when the app
    starts (see the module's docstring); `master_key` None lets the library read
    INVENTARIO_MASTER_KEY or INVENTARIO_MASTER_PASSPHRASE."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keys = (
            ApiKeys.from_mapping(api_keys)
            if api_keys is not None
            else ApiKeys.parse(os.environ.get(KEYS_ENV, ""))
        )
        inventory = await run_in_threadpool(
            inventario.open,
            url or os.environ.get(URL_ENV, DEFAULT_URL),
            master_key=master_key,
            actor=APP_ACTOR,
        )
        try:
            app.state.dashboard = Dashboard(
                inventory=inventory,
                keys=keys,
                handles={key_id: inventory.acting_as(key_id) for key_id, _ in keys.entries},
                public_metrics=(
                    public_metrics
                    if public_metrics is not None
                    else os.environ.get(PUBLIC_METRICS_ENV, "") in ("1", "true", "yes")
                ),
            )
            yield
        finally:
            await run_in_threadpool(inventory.close)

    app = FastAPI(title="inventario dashboard", lifespan=lifespan)

    @app.exception_handler(inventario.ValidationError)
    async def refused(request: Request, exc: Exception) -> JSONResponse:
        # A rule's message names the rule and the value; it carries no internals.
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(inventario.InventarioError)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        logger.error("inventario call failed on %s", request.url.path, exc_info=exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.get("/health")
    def health(request: Request) -> JSONResponse:
        """Open to all: whether the app runs and the store answers a primary-key lookup."""
        try:
            _dashboard(request).inventory.supplier(0)
        except inventario.InventarioError:
            logger.exception("health check: the store does not answer")
            return JSONResponse({"status": "error", "store": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "store": "ok"})

    @app.get("/metrics", response_class=PlainTextResponse, dependencies=[Depends(metrics_access)])
    def metrics(request: Request) -> PlainTextResponse:
        text = _dashboard(request).inventory.metrics_text() or ""
        return PlainTextResponse(text, media_type=PROMETHEUS_TEXT)

    @app.get("/api/summary")
    def summary(inv: Store, on: date | None = None) -> dict[str, Any]:
        """The headline numbers as of `on` (default today)."""
        day = on or inv.today()
        found = inv.dashboard_summary(day)
        top = inv.supplier(found.top_supplier) if found.top_supplier is not None else None
        return json_object({"as_of": day, **found.to_dict(), "top_supplier_code": _code(top)})

    @app.get("/api/providers")
    def providers(inv: Store) -> dict[str, Any]:
        """Ordering statistics per supplier, by code (cancelled orders left out)."""
        suppliers = _suppliers_by_id(inv)
        rows = [
            {**row.to_dict(), "name": _name(suppliers.get(row.supplier))}
            for row in inv.provider_stats()
        ]
        return json_object({"providers": rows})

    @app.get("/api/top-products")
    def top_products(
        inv: Store,
        start: date | None = None,
        end: date | None = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        by: Literal["ordered", "sold"] = "ordered",
    ) -> dict[str, Any]:
        """The products with most units ordered (or sold, with by=sold) from start to end,
        both included (default the last 30 days)."""
        start, end = _range(inv, start, end, days=30)
        rows: list[dict[str, Any]]
        if by == "sold":
            rows = [row.to_dict() for row in inv.top_sold(start, end, limit)]
        else:
            rows = []
            for row in inv.top_ordered(start, end, limit):  # at most 100 lookups by id
                product = inv.product(row.product)
                rows.append({**row.to_dict(), "name": product.name if product else None})
        return json_object({"by": by, "start": start, "end": end, "limit": limit, "products": rows})

    @app.get("/api/stock-by-provider")
    def stock_by_provider(inv: Store) -> dict[str, Any]:
        """Real stock on hand (per unit of measure) and its value at average cost, per
        supplier; `supplier` is null for products without one."""
        suppliers = _suppliers_by_id(inv)
        rows = inv.stock_by_supplier()
        providers = [
            {
                **row.to_dict(),
                "supplier_code": (
                    _code(suppliers.get(row.supplier)) if row.supplier is not None else None
                ),
            }
            for row in rows
        ]
        total = sum((row.value for row in rows), Decimal("0.00"))
        return json_object({"providers": providers, "total_value": total})

    @app.get("/api/weekly-sales")
    def weekly_sales(
        inv: Store, start: date | None = None, end: date | None = None
    ) -> dict[str, Any]:
        """Units sold and their cost per ISO week from start to end, both included; default
        the 12 whole weeks ending with the current one. Weeks without sales are listed with
        zeros so that charts have no gaps."""
        if start is None:
            last = end or inv.today()
            start = last - timedelta(days=last.weekday() + 7 * 11)  # Monday, 11 weeks before
        start, end = _range(inv, start, end, days=1)
        found = {(w.iso_year, w.iso_week): w for w in inv.weekly_sales(start, end)}
        weeks = []
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            year, week, _ = monday.isocalendar()
            row = found.get((year, week))
            weeks.append(
                {
                    "iso_year": year,
                    "iso_week": week,
                    "week_start": monday,
                    "quantity": row.quantity if row else Decimal("0"),
                    "cost_of_goods": row.cost_of_goods if row else Decimal("0.00"),
                }
            )
            monday += timedelta(days=7)
        return json_object({"start": start, "end": end, "weeks": weeks})

    return app


app = create_app()  # reads nothing until it starts: importing this module needs no environment


def main() -> None:
    try:
        import uvicorn  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        sys.exit("uvicorn is not installed: pip install uvicorn (or serve app:app another way)")
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
    )


if __name__ == "__main__":
    main()
