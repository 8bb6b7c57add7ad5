"""Type stubs of the `inventario` package (the native module `inventario._native`).

Money and quantities are `decimal.Decimal` in and out; `int` is accepted where an amount is
taken; `float` is refused with `TypeError`.
"""

import datetime
import os
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Literal, Optional, Union, final

from typing_extensions import Self, TypeAlias

__version__: str

__all__ = [
    "Anomaly",
    "AuditError",
    "AuditEvent",
    "BackupPruneReport",
    "BlindIndexKey",
    "ChainBreak",
    "Customer",
    "CustomerIdentity",
    "DashboardSummary",
    "DataKey",
    "DataKeyRotation",
    "DecryptionError",
    "Detection",
    "DetectorFailure",
    "ErasureReceipt",
    "FieldCipher",
    "IdempotencyConflictError",
    "InsufficientStockError",
    "Inventory",
    "InventarioError",
    "KeyInfo",
    "KeyNotFoundError",
    "Keyring",
    "LedgerDiscrepancy",
    "LedgerReport",
    "LegalHold",
    "Location",
    "LowStock",
    "MasterKeyRotation",
    "Movement",
    "MovementPage",
    "MovementRequest",
    "OrderLine",
    "OrderReceipt",
    "PendingPrivacyRequest",
    "PrivacyError",
    "PrivacyRequest",
    "Product",
    "ProductValue",
    "ProviderStats",
    "PurchaseOrder",
    "Recorded",
    "RectificationReceipt",
    "ReencryptProgress",
    "ReencryptReport",
    "ReorderLine",
    "Reservation",
    "RetentionPolicy",
    "RetentionReport",
    "StockRow",
    "StockValue",
    "StoreError",
    "Supplier",
    "SupplierContact",
    "SupplierReorder",
    "SupplierStock",
    "TopOrdered",
    "TopProduct",
    "ValidationError",
    "VerifyReport",
    "WeeklySales",
    "__version__",
    "argentina_holidays",
    "envelope_from_text",
    "envelope_key_id",
    "envelope_to_text",
    "open",
    "open_keyring",
]

_Amount: TypeAlias = Union[Decimal, int]
"""An exact amount: a `Decimal`, or an `int`. Never a `float`."""
_MasterKey: TypeAlias = Union[str, bytes, None]
"""64 hex digits or a passphrase (`str`), 32 raw bytes, or None to read the environment."""
_RowKey: TypeAlias = Union[str, int]
_FieldPlaintext: TypeAlias = Union[str, int, Decimal, bytes, datetime.date]
_Normalizer: TypeAlias = Literal["exact", "email", "digits"]
_Unit: TypeAlias = Literal["unidad", "unidades", "un", "u", "kg", "g", "l", "ml", "m"]
_LossReason: TypeAlias = Literal["expired", "damaged", "theft", "other"]
_DocumentType: TypeAlias = Literal["dni", "cuit", "cuil", "pasaporte"]
_RequestKind: TypeAlias = Literal["access", "rectification", "erasure"]
_Regime: TypeAlias = Literal["ley_25326", "gdpr"]
_OrderStatus: TypeAlias = Literal["draft", "sent", "partially_received", "received", "cancelled"]
_MovementKind: TypeAlias = Literal[
    "initial_stock",
    "receipt",
    "sale",
    "customer_return",
    "supplier_return",
    "loss",
    "adjustment",
    "transfer_out",
    "transfer_in",
]

# --- exceptions ------------------------------------------------------------------------------

class InventarioError(Exception):
    """Base class of every error raised by inventario."""

    kind: Optional[str]
    """The reason's stable name (a rule or crypto error variant), or None."""
    line: Optional[int]
    """The failing line (from 0) of a batch, or None."""
    index: Optional[int]
    """The failing item (from 0) of `FieldCipher.decrypt_many`, or None."""

class ValidationError(InventarioError, ValueError):
    """A value or request was refused by a rule; nothing was changed."""

class InsufficientStockError(InventarioError):
    """Not enough available stock; nothing was changed."""

    available: Decimal
    requested: Decimal

class IdempotencyConflictError(InventarioError):
    """The idempotency key was already used for a different request."""

    key: str

class DecryptionError(InventarioError, ValueError):
    """An envelope could not be decrypted, or the master key is wrong."""

class KeyNotFoundError(DecryptionError, KeyError):
    """The key an envelope or scope names is unknown or was destroyed (an erased subject)."""

    key_id: int

class AuditError(InventarioError):
    """An audit operation was refused, or its record could not be written."""

class StoreError(InventarioError):
    """The database could not be opened, read or written."""

class PrivacyError(ValidationError):
    """A privacy duty was refused; nothing was changed. `kind` says why: UnknownField,
    RequiredField, NoChanges, DocumentTypeWithoutDocument, SubjectErased, InvalidReason,
    RequestNotFound, RequestClosed, AutomaticReason, ReceivedInFuture, InvalidPolicy,
    TooManyHolidays or BackupDirectory."""

# --- records ---------------------------------------------------------------------------------

class _Record:
    """Immutable result: readable repr, `==` by value, `to_dict()`."""

    __match_args__: tuple[str, ...]
    def to_dict(self) -> dict[str, Any]:
        """The record as a dict (nested records as dicts). Money and quantities stay Decimal:
        serialise them as strings; FastAPI's default encoder would turn them into floats."""
    def __eq__(self, value: object, /) -> bool: ...

@final
class Location(_Record):
    id: int
    code: str
    name: str
    negative_stock_allowed: bool
    capacity: Optional[Decimal]

@final
class Supplier(_Record):
    id: int
    code: str
    legal_name: str
    trade_name: Optional[str]
    tax_condition: Optional[str]
    payment_terms_days: Optional[int]
    direct_brands: list[str]
    distributed_brands: list[str]
    categories: list[str]
    exclude_keywords: list[str]
    is_default: bool
    active: bool

@final
class SupplierContact(_Record):
    cuit: Optional[str]
    """Formatted XX-XXXXXXXX-X."""
    phone: Optional[str]
    email: Optional[str]
    address: Optional[str]

@final
class Product(_Record):
    id: int
    sku: str
    name: str
    description: Optional[str]
    category: Optional[str]
    brand: Optional[str]
    unit: str
    barcode: Optional[str]
    sale_price: Decimal
    wholesale_price: Optional[Decimal]
    min_stock: Decimal
    max_stock: Optional[Decimal]
    reorder_point: Optional[Decimal]
    pack_multiple: Decimal
    perishable: bool
    supplier: Optional[int]
    active: bool
    average_cost: Decimal

@final
class Movement(_Record):
    id: int
    product: int
    location: int
    kind: str
    quantity: Decimal
    delta: Decimal
    before: Decimal
    after: Decimal
    unit_cost: Decimal
    value: Decimal
    seq: int
    reference: Optional[str]
    lot: Optional[str]
    expiry: Optional[datetime.date]
    actor: str
    reason: Optional[str]
    loss_reason: Optional[str]
    idempotency_key: Optional[str]
    linked_movement: Optional[int]
    occurred_at: datetime.datetime
    recorded_at: datetime.datetime

@final
class Recorded(_Record):
    movements: list[Movement]
    replayed: bool
    """True when an idempotency key returned an earlier result and nothing was written."""

@final
class Reservation(_Record):
    id: int
    product: int
    location: int
    quantity: Decimal
    remaining: Decimal
    reference: Optional[str]
    expires_at: Optional[datetime.datetime]
    status: str

@final
class StockRow(_Record):
    product: int
    sku: str
    name: str
    unit: str
    location: int
    location_code: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal

@final
class LowStock(_Record):
    product: int
    sku: str
    name: str
    unit: str
    on_hand: Decimal
    threshold: Decimal
    deficit: Decimal
    urgency: str
    """critical, warning or low."""

@final
class ReorderLine(_Record):
    product: int
    quantity: Decimal
    on_hand: Decimal
    on_order: Decimal

@final
class SupplierReorder(_Record):
    supplier: Optional[int]
    lines: list[ReorderLine]

@final
class MovementPage(_Record):
    items: list[Movement]
    next: Optional[int]

@final
class ProductValue(_Record):
    product: int
    on_hand: Decimal
    average_cost: Decimal
    value: Decimal

@final
class StockValue(_Record):
    total: Decimal
    products: list[ProductValue]

@final
class TopProduct(_Record):
    product: int
    sku: str
    name: str
    quantity: Decimal
    sales: int

@final
class TopOrdered(_Record):
    product: int
    sku: str
    quantity: Decimal
    orders: int

@final
class DashboardSummary(_Record):
    active_suppliers: int
    orders_last_30_days: int
    units_ordered_last_30_days: Decimal
    movements_last_7_days: int
    top_supplier: Optional[int]
    products_below_minimum: int

@final
class ProviderStats(_Record):
    supplier: int
    code: str
    products: int
    orders: int
    units_ordered: Decimal
    units_received: Decimal
    ordered_value: Decimal
    last_order: Optional[datetime.date]

@final
class SupplierStock(_Record):
    supplier: Optional[int]
    products: int
    on_hand: dict[str, Decimal]
    """Units on hand per unit of measure."""
    value: Decimal

@final
class WeeklySales(_Record):
    iso_year: int
    iso_week: int
    quantity: Decimal
    cost_of_goods: Decimal

@final
class LedgerDiscrepancy(_Record):
    product: int
    location: int
    ledger_on_hand: Decimal
    balance_on_hand: Decimal
    broken_at_seq: Optional[int]

@final
class LedgerReport(_Record):
    ok: bool
    balances_checked: int
    movements_checked: int
    discrepancies: list[LedgerDiscrepancy]

@final
class Customer(_Record):
    id: int
    code: str
    kind: str
    price_list: str
    credit_limit: Decimal
    discount_percent: Decimal
    erased_at: Optional[datetime.datetime]

@final
class CustomerIdentity(_Record):
    names: str
    surname: Optional[str]
    document_type: Optional[str]
    document: Optional[str]
    phone: Optional[str]
    email: Optional[str]
    address: Optional[str]

@final
class ErasureReceipt(_Record):
    """What `erase_subject` destroyed, and the fiscal part it kept (`kept_fields`, sealed
    under `kept_scope`) when `refusal` is `legal_hold` or `fiscal_retention`."""

    kind: str
    id: int
    destroyed_keys: list[int]
    unreadable_fields: list[str]
    blind_indexes_removed: int
    kept_fields: list[str]
    kept_scope: Optional[str]
    refusal: Optional[Literal["legal_hold", "fiscal_retention"]]
    holds: list[int]
    requests_closed: list[int]
    erased_at: datetime.datetime

@final
class LegalHold(_Record):
    """Audit records about `table`/`key` (an empty key: the whole table) are kept, and so is
    the fiscal part of a subject it covers, until it is lifted."""

    id: int
    table: str
    key: str
    reason: str
    placed_by: str
    placed_at: datetime.datetime
    lifted_at: Optional[datetime.datetime]

@final
class PrivacyRequest(_Record):
    """A data subject's request and its deadline."""

    id: int
    subject_kind: Literal["customer", "supplier"]
    subject_id: int
    kind: _RequestKind
    regime: _Regime
    received_on: datetime.date
    due_on: datetime.date
    status: Literal["pending", "completed", "partially_refused", "refused"]
    refusal: Optional[str]
    outcome: Optional[dict[str, Any]]
    received_by: str
    created_at: datetime.datetime
    closed_at: Optional[datetime.datetime]

@final
class PendingPrivacyRequest(_Record):
    """A pending request with the calendar days left (negative once overdue)."""

    request: PrivacyRequest
    days_left: int
    overdue: bool

@final
class RectificationReceipt(_Record):
    kind: Literal["customer", "supplier"]
    id: int
    fields_written: list[str]
    fields_cleared: list[str]
    blind_indexes_updated: list[str]
    requests_closed: list[int]

@final
class RetentionPolicy(_Record):
    """How long each kind of record is kept (defaults 90, 365, 10 years, 30)."""

    operational_audit_days: int
    access_audit_days: int
    fiscal_years: int
    backup_days: int

@final
class RetentionReport(_Record):
    """What `apply_retention` did; `event_seq` is None when it changed nothing."""

    now: datetime.datetime
    policy: RetentionPolicy
    audit_purged: int
    audit_purged_through: Optional[int]
    audit_stopped_by: Optional[Literal["legal_hold", "operational_audit", "access_audit"]]
    fiscal_scopes_destroyed: list[str]
    destroyed_keys: list[int]
    fiscal_parts_kept: int
    event_seq: Optional[int]

@final
class BackupPruneReport(_Record):
    """What `prune_backups` did in a directory (paths as str)."""

    directory: str
    removed: list[str]
    kept: list[str]
    held: list[str]
    skipped: list[str]
    event_seq: Optional[int]

@final
class OrderLine(_Record):
    id: int
    product: int
    quantity: Decimal
    expected_unit_cost: Decimal
    received: Decimal
    receipts: int

@final
class PurchaseOrder(_Record):
    id: int
    supplier: int
    number: str
    status: str
    expected_date: Optional[datetime.date]
    lines: list[OrderLine]
    created_at: datetime.datetime

@final
class OrderReceipt(_Record):
    order: PurchaseOrder
    recorded: list[Recorded]

@final
class KeyInfo(_Record):
    id: int
    purpose: str
    scope: str
    status: str
    mk_version: int

@final
class MasterKeyRotation(_Record):
    mk_version: int
    rewrapped: int

@final
class DataKeyRotation(_Record):
    key_id: int
    job_id: int

@final
class ReencryptProgress(_Record):
    job_id: int
    scope: str
    column: str
    columns_done: int
    columns_total: int
    rows_done: int

@final
class ReencryptReport(_Record):
    job_id: int
    scope: str
    active_key: int
    rows_done: int

@final
class ChainBreak(_Record):
    seq: int
    kind: str
    """modified, deleted, inserted, reordered or fork."""
    message: str

@final
class VerifyReport(_Record):
    ok: bool
    from_seq: int
    to_seq: int
    checked: int
    checkpoint_seq: Optional[int]
    problem: Optional[ChainBreak]

@final
class AuditEvent(_Record):
    seq: int
    event_id: str
    at: datetime.datetime
    actor: str
    event_type: str
    table: str
    key: str
    status: str
    key_id: Optional[int]
    detail: Any
    hash: str

@final
class Anomaly(_Record):
    detector: str
    severity: str
    actor: Optional[str]
    ip: Optional[str]
    first_at: datetime.datetime
    last_at: datetime.datetime
    count: int
    message: str

@final
class DetectorFailure(_Record):
    detector: str
    message: str

@final
class Detection(_Record):
    anomalies: list[Anomaly]
    failures: list[DetectorFailure]

# --- stock commands --------------------------------------------------------------------------

@final
class MovementRequest:
    """One stock command, for `Inventory.record` or `Inventory.record_movements`."""

    @property
    def kind(self) -> str: ...
    @property
    def product(self) -> int: ...
    @property
    def idempotency_key(self) -> Optional[str]: ...
    @staticmethod
    def receipt(
        product: int,
        location: int,
        quantity: _Amount,
        unit_cost: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def sale(
        product: int,
        location: int,
        quantity: _Amount,
        *,
        reservation: Optional[int] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def customer_return(
        product: int,
        location: int,
        quantity: _Amount,
        *,
        original_sale: Optional[int] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def supplier_return(
        product: int,
        location: int,
        quantity: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def loss(
        product: int,
        location: int,
        quantity: _Amount,
        loss_reason: _LossReason,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def adjustment(
        product: int,
        location: int,
        *,
        delta: Optional[_Amount] = None,
        counted: Optional[_Amount] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...
    @staticmethod
    def transfer(
        product: int,
        from_location: int,
        to_location: int,
        quantity: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> MovementRequest: ...

# --- crypto ----------------------------------------------------------------------------------

@final
class FieldCipher:
    """Encrypts and decrypts fields of your own tables with a keyring's keys."""

    @property
    def scope(self) -> str: ...
    def with_scope(self, scope: str) -> FieldCipher: ...
    def encrypt(
        self, value: _FieldPlaintext, table: str, column: str, row_key: _RowKey
    ) -> bytes: ...
    def decrypt(self, envelope: bytes, table: str, column: str, row_key: _RowKey) -> Any:
        """The value, as the type it was encrypted from (str, int, Decimal, bytes, date)."""
    def encrypt_many(
        self, items: Iterable[tuple[_FieldPlaintext, str, str, _RowKey]]
    ) -> list[bytes]: ...
    def decrypt_many(
        self,
        items: Iterable[tuple[bytes, str, str, _RowKey]],
        *,
        return_exceptions: bool = False,
    ) -> list[Any]: ...
    def blind_index(
        self,
        table: str,
        column: str,
        value: str,
        *,
        normalizer: _Normalizer = "exact",
        length: int = 16,
    ) -> bytes: ...

@final
class Keyring:
    """The keys of a store: rotation, scopes, blind indexes. A context manager."""

    @property
    def mk_version(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def keys(self) -> list[KeyInfo]: ...
    def field_cipher(self, scope: Optional[str] = None) -> FieldCipher: ...
    def refresh(self) -> None: ...
    def add_blind_index(self, table: str, column: str) -> None: ...
    def create_scope(self, scope: str) -> int: ...
    def rotate_master_key(self, new_master_key: Union[str, bytes]) -> MasterKeyRotation: ...
    def rotate_data_key(self, scope: str = "global") -> DataKeyRotation: ...
    def reencrypt(
        self,
        *,
        batch: int = 1000,
        progress: Optional[Callable[[ReencryptProgress], object]] = None,
    ) -> list[ReencryptReport]: ...
    def destroy_scope(self, scope: str) -> list[int]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

@final
class DataKey:
    """The envelope v1 primitive over a raw 32-byte key (for vectors and reviews)."""

    def __new__(cls, key_id: int, key: bytes) -> Self: ...
    @property
    def key_id(self) -> int: ...
    def seal(self, value: _FieldPlaintext, table: str, column: str, row_key: _RowKey) -> bytes: ...
    def open(self, envelope: bytes, table: str, column: str, row_key: _RowKey) -> Any: ...

@final
class BlindIndexKey:
    """A blind-index key over raw 32 bytes (for vectors and reviews)."""

    def __new__(cls, key: bytes) -> Self: ...
    def index(
        self, value: str, *, normalizer: _Normalizer = "exact", length: int = 16
    ) -> bytes: ...

def envelope_to_text(envelope: bytes) -> str: ...
def argentina_holidays(first_year: int, last_year: int) -> list[datetime.date]:
    """Argentina's rule-based national holidays of those years (fixed dates, Carnival, Good
    Friday); add the year's movable holidays before `Inventory.set_holidays`.

    Raises:
        PrivacyError: the years are outside 1900-2200, or the first is after the last
            (kind "InvalidYears")."""
def envelope_from_text(text: str) -> bytes: ...
def envelope_key_id(envelope: bytes) -> int: ...
def open_keyring(
    url: str,
    *,
    master_key: _MasterKey = None,
    tenant: Optional[str] = None,
    actor: Optional[str] = None,
) -> Keyring: ...

# --- the store -------------------------------------------------------------------------------

def open(
    url: str,
    *,
    master_key: _MasterKey = None,
    actor: str,
    tenant: Optional[str] = None,
    max_connections: int = 8,
    metrics: bool = True,
    audit_fail_open: bool = False,
) -> Inventory:
    """Opens the store at `url` (sqlite://PATH?mode=rwc, sqlite::memory:, postgres://...)."""

@final
class Inventory:
    """An open store, bound to a tenant and acting as one actor. A context manager."""

    @property
    def actor(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def acting_as(self, actor: str) -> Inventory:
        """The same store acting as another actor; shares the connections, and closing it
        leaves them open."""
    def today(self) -> datetime.date: ...
    def keyring(self) -> Keyring: ...
    def field_cipher(self, scope: Optional[str] = None) -> FieldCipher: ...
    def metrics_text(self) -> Optional[str]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...

    # locations and suppliers
    def create_location(
        self,
        code: str,
        name: str,
        *,
        negative_stock_allowed: bool = False,
        capacity: Optional[_Amount] = None,
    ) -> Location: ...
    def locations(self) -> list[Location]: ...
    def location_by_code(self, code: str) -> Optional[Location]: ...
    def create_supplier(
        self,
        code: str,
        legal_name: str,
        *,
        trade_name: Optional[str] = None,
        tax_condition: Optional[str] = None,
        payment_terms_days: Optional[int] = None,
        direct_brands: Sequence[str] = ...,
        distributed_brands: Sequence[str] = ...,
        categories: Sequence[str] = ...,
        exclude_keywords: Sequence[str] = ...,
        is_default: bool = False,
        cuit: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        address: Optional[str] = None,
    ) -> Supplier: ...
    def suppliers(self) -> list[Supplier]: ...
    def supplier(self, id: int) -> Optional[Supplier]: ...
    def supplier_by_code(self, code: str) -> Optional[Supplier]: ...
    def load_legacy_suppliers(self) -> list[Supplier]: ...
    def set_supplier_contact(
        self,
        id: int,
        *,
        cuit: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        address: Optional[str] = None,
    ) -> None: ...
    def supplier_contact(self, id: int) -> Optional[SupplierContact]: ...
    def find_supplier_by_cuit(self, cuit: str) -> Optional[Supplier]: ...

    # products
    def create_product(
        self,
        sku: str,
        name: str,
        sale_price: _Amount,
        *,
        description: Optional[str] = None,
        category: Optional[str] = None,
        brand: Optional[str] = None,
        unit: _Unit = "unidad",
        barcode: Optional[str] = None,
        wholesale_price: Optional[_Amount] = None,
        min_stock: Optional[_Amount] = None,
        max_stock: Optional[_Amount] = None,
        reorder_point: Optional[_Amount] = None,
        pack_multiple: Optional[_Amount] = None,
        perishable: bool = False,
        supplier: Optional[int] = None,
    ) -> Product: ...
    def product(self, id: int) -> Optional[Product]: ...
    def product_by_sku(self, sku: str) -> Optional[Product]: ...
    def product_by_barcode(self, barcode: str) -> Optional[Product]: ...
    def products(self, *, include_inactive: bool = False) -> list[Product]: ...
    def update_product(
        self,
        id: int,
        *,
        sku: Optional[str] = None,
        name: Optional[str] = None,
        category: Optional[str] = None,
        brand: Optional[str] = None,
        barcode: Optional[str] = None,
        sale_price: Optional[_Amount] = None,
        wholesale_price: Optional[_Amount] = None,
        min_stock: Optional[_Amount] = None,
        max_stock: Optional[_Amount] = None,
        reorder_point: Optional[_Amount] = None,
        pack_multiple: Optional[_Amount] = None,
        supplier: Optional[int] = None,
        force_below_margin: bool = False,
    ) -> Product: ...
    def deactivate_product(self, id: int) -> Product: ...

    # stock commands
    def record(self, request: MovementRequest) -> Recorded: ...
    def record_movements(self, requests: Sequence[MovementRequest]) -> list[Recorded]: ...
    def receive(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        unit_cost: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def sell(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        *,
        reservation: Optional[int] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def return_from_customer(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        *,
        original_sale: Optional[int] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def return_to_supplier(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def record_loss(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        loss_reason: _LossReason,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def adjust(
        self,
        product: int,
        location: int,
        *,
        delta: Optional[_Amount] = None,
        counted: Optional[_Amount] = None,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def transfer(
        self,
        product: int,
        from_location: int,
        to_location: int,
        quantity: _Amount,
        *,
        reason: Optional[str] = None,
        reference: Optional[str] = None,
        lot: Optional[str] = None,
        expiry: Optional[datetime.date] = None,
        idempotency_key: Optional[str] = None,
        occurred_at: Optional[datetime.datetime] = None,
    ) -> Recorded: ...
    def reserve(
        self,
        product: int,
        location: int,
        quantity: _Amount,
        *,
        reference: Optional[str] = None,
        expires_at: Optional[datetime.datetime] = None,
    ) -> Reservation: ...
    def release_reservation(self, id: int) -> Reservation: ...
    def reservations(self, product: Optional[int] = None) -> list[Reservation]: ...

    # queries
    def stock(
        self, product: Optional[int] = None, location: Optional[int] = None
    ) -> list[StockRow]: ...
    def low_stock(self, on: Optional[datetime.date] = None) -> list[LowStock]: ...
    def reorder_suggestions(
        self, on: Optional[datetime.date] = None
    ) -> list[SupplierReorder]: ...
    def history(
        self,
        *,
        product: Optional[int] = None,
        location: Optional[int] = None,
        kind: Optional[_MovementKind] = None,
        actor: Optional[str] = None,
        start: Optional[datetime.date] = None,
        end: Optional[datetime.date] = None,
        reference: Optional[str] = None,
        before: Optional[int] = None,
        limit: int = 100,
    ) -> MovementPage: ...
    def movements_since(self, cursor: Optional[int] = None, limit: int = 100) -> list[Movement]: ...
    def stock_value(self) -> StockValue: ...
    def top_sold(
        self, start: datetime.date, end: datetime.date, limit: int = 10
    ) -> list[TopProduct]: ...
    def top_ordered(
        self, start: datetime.date, end: datetime.date, limit: int = 10
    ) -> list[TopOrdered]: ...
    def dashboard_summary(self, on: Optional[datetime.date] = None) -> DashboardSummary: ...
    def provider_stats(self) -> list[ProviderStats]: ...
    def stock_by_supplier(self) -> list[SupplierStock]: ...
    def weekly_sales(self, start: datetime.date, end: datetime.date) -> list[WeeklySales]: ...
    def verify_ledger(self, product: Optional[int] = None) -> LedgerReport: ...

    # purchase orders
    def create_order(
        self,
        supplier: int,
        lines: Sequence[tuple[int, _Amount, _Amount]],
        *,
        expected_date: Optional[datetime.date] = None,
    ) -> PurchaseOrder: ...
    def send_order(self, id: int) -> PurchaseOrder: ...
    def cancel_order(self, id: int) -> PurchaseOrder: ...
    def receive_order(
        self,
        id: int,
        location: int,
        lines: Sequence[Union[tuple[int, _Amount], tuple[int, _Amount, _Amount]]],
    ) -> OrderReceipt: ...
    def order(self, id: int) -> Optional[PurchaseOrder]: ...
    def orders(self, status: Optional[_OrderStatus] = None) -> list[PurchaseOrder]: ...

    # customers and personal data
    def create_customer(
        self,
        code: str,
        names: str,
        *,
        surname: Optional[str] = None,
        document_type: Optional[_DocumentType] = None,
        document: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        address: Optional[str] = None,
        kind: Literal["persona", "empresa"] = "persona",
        price_list: Literal["general", "mayorista", "especial"] = "general",
        credit_limit: Optional[_Amount] = None,
        discount_percent: Optional[_Amount] = None,
    ) -> Customer: ...
    def customer(self, id: int) -> Optional[Customer]: ...
    def customer_identity(self, id: int) -> Optional[CustomerIdentity]: ...
    def customer_identities(self, ids: Sequence[int]) -> list[Optional[CustomerIdentity]]: ...
    def find_customers_by_document(
        self, document_type: _DocumentType, document: str
    ) -> list[Customer]: ...
    def find_customers_by_email(self, email: str) -> list[Customer]: ...
    def erase_subject(
        self, kind: Literal["customer", "supplier"], id: int
    ) -> ErasureReceipt:
        """Crypto-shreds the subject. A legal hold on them (or their fiscal records), or a
        fiscal record within the fiscal period, keeps their fiscal fields under a key of
        their own (`refusal` says why). Answers their pending erasure requests."""

    # privacy duties
    def place_legal_hold(self, table: str, key: str = "", *, reason: str) -> LegalHold: ...
    def lift_legal_hold(self, id: int) -> LegalHold: ...
    def legal_holds(self) -> list[LegalHold]: ...
    def record_privacy_request(
        self,
        kind: Literal["customer", "supplier"],
        id: int,
        request: _RequestKind,
        *,
        regime: Optional[_Regime] = None,
        received_on: Optional[datetime.date] = None,
    ) -> PrivacyRequest:
        """Records a request with its deadline (Ley 25.326: access 10 calendar days,
        rectification and erasure 5 business days; GDPR: one month).

        Raises:
            PrivacyError: `received_on` is after today (kind ReceivedInFuture).
            ValidationError: the subject does not exist."""
    def privacy_request(self, id: int) -> Optional[PrivacyRequest]: ...
    def privacy_requests(
        self,
        kind: Optional[Literal["customer", "supplier"]] = None,
        id: Optional[int] = None,
    ) -> list[PrivacyRequest]: ...
    def pending_privacy_requests(
        self, on: Optional[datetime.date] = None
    ) -> list[PendingPrivacyRequest]: ...
    def refuse_privacy_request(
        self,
        id: int,
        reason: Literal[
            "identity_not_verified",
            "manifestly_unfounded",
            "repeated_request",
            "legal_obligation",
        ],
    ) -> PrivacyRequest:
        """Raises:
        PrivacyError: unknown (RequestNotFound) or closed (RequestClosed) request."""
    def export_subject(self, kind: Literal["customer", "supplier"], id: int) -> str:
        """Everything held about the subject, as JSON text, recorded as ACCESS_REQUEST first.

        Raises:
            AuditError: the access could not be recorded (nothing is returned)."""
    def export_subject_csv(self, kind: Literal["customer", "supplier"], id: int) -> str:
        """The export as CSV (RFC 4180; formulas neutralised with a leading quote)."""
    def rectify(
        self,
        kind: Literal["customer", "supplier"],
        id: int,
        changes: dict[str, Optional[str]],
        *,
        reason: str,
    ) -> RectificationReceipt:
        """Corrects personal fields (None clears one), re-encrypted under the subject's key.

        Raises:
            PrivacyError: an unknown field, names cleared, no change, a bad reason, or an
                erased subject.
            ValidationError: a document or CUIT that does not parse."""
    def holidays(self) -> list[datetime.date]: ...
    def set_holidays(self, days: Sequence[datetime.date]) -> list[int]: ...
    def retention_policy(self) -> RetentionPolicy: ...
    def set_retention_policy(
        self,
        *,
        operational_audit_days: Optional[int] = None,
        access_audit_days: Optional[int] = None,
        fiscal_years: Optional[int] = None,
        backup_days: Optional[int] = None,
    ) -> RetentionPolicy:
        """Raises:
        PrivacyError: a period of zero or beyond 100 years (kind InvalidPolicy)."""
    def apply_retention(self, now: Optional[datetime.datetime] = None) -> RetentionReport: ...
    def prune_backups(
        self,
        directory: str | os.PathLike[str],
        *,
        now: Optional[datetime.datetime] = None,
    ) -> BackupPruneReport: ...

    # legacy import
    def import_legacy(
        self,
        path: str | os.PathLike[str],
        *,
        location: Optional[str] = None,
        dry_run: bool = False,
    ) -> dict[str, Any]: ...

    # audit
    def verify_audit(self, since: Optional[str] = None) -> VerifyReport: ...
    def audit_checkpoint(self) -> str: ...
    def audit_events(self, after: int = 0, limit: int = 100) -> list[AuditEvent]: ...
    def record_audit_event(
        self,
        event_type: str,
        *,
        table: str = "",
        key: str = "",
        failed: bool = False,
        detail: Optional[dict[str, Any]] = None,
    ) -> int: ...
    def detect_anomalies(
        self, since: datetime.datetime, now: Optional[datetime.datetime] = None
    ) -> Detection: ...
    def audit_report(
        self,
        start: datetime.datetime,
        end: datetime.datetime,
        *,
        format: Literal["json", "html"] = "json",
    ) -> str: ...
