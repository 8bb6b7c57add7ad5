//! `MovementRequest`: one stock command, built in Python and recorded alone or in a batch.

use chrono::{DateTime, NaiveDate, Utc};
use inventario_core::domain::AdjustmentChange;
use inventario_core::{
    LocationId, LossReason, MovementId, MovementRequest, ProductId, ReservationId,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::convert::{code, cost_arg, opt, quantity_arg, utc_datetime};
use crate::errors::to_py_err;

/// One stock command. Build it with a constructor (`receipt`, `sale`, `customer_return`,
/// `supplier_return`, `loss`, `adjustment`, `transfer`) and pass it to
/// `Inventory.record` or, with others, to `Inventory.record_movements` (one transaction).
///
/// Quantities are positive `Decimal`s (or ints): the kind gives the direction. Every
/// constructor also takes, by keyword: `reason`, `reference`, `lot`, `expiry` (a date),
/// `idempotency_key` (a retry with the same key and payload returns the first result and writes
/// nothing) and `occurred_at` (an aware datetime; default now).
#[pyclass(module = "inventario", name = "MovementRequest", frozen)]
#[derive(Clone)]
pub(crate) struct PyMovementRequest {
    pub(crate) inner: MovementRequest,
}

/// The options every constructor takes by keyword.
struct Options {
    reason: Option<String>,
    reference: Option<String>,
    lot: Option<String>,
    expiry: Option<NaiveDate>,
    idempotency_key: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
}

impl Options {
    fn apply(self, py: Python<'_>, mut request: MovementRequest) -> PyResult<PyMovementRequest> {
        if let Some(reason) = self.reason {
            request = request.reason(reason);
        }
        if let Some(reference) = self.reference {
            request = request.reference(reference);
        }
        if self.lot.is_some() || self.expiry.is_some() {
            request.lot = self.lot;
            request.expiry = self.expiry;
        }
        if let Some(key) = self.idempotency_key {
            request = request.idempotency_key(key);
        }
        if let Some(at) = self.occurred_at {
            request = request.occurred_at(at);
        }
        request.validate().map_err(|e| to_py_err(py, e.into()))?;
        Ok(PyMovementRequest { inner: request })
    }
}

macro_rules! options {
    ($reason:ident, $reference:ident, $lot:ident, $expiry:ident, $key:ident, $at:ident) => {
        Options {
            reason: $reason,
            reference: $reference,
            lot: $lot,
            expiry: $expiry,
            idempotency_key: $key,
            occurred_at: opt($at, "occurred_at", utc_datetime)?,
        }
    };
}

#[pymethods]
impl PyMovementRequest {
    /// Goods received at `location` at `unit_cost` (updates the weighted-average cost).
    #[staticmethod]
    #[pyo3(signature = (product, location, quantity, unit_cost, *, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn receipt(
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        unit_cost: &Bound<'_, PyAny>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let request = MovementRequest::receipt(
            ProductId(product),
            LocationId(location),
            quantity_arg(quantity, "quantity")?,
            cost_arg(unit_cost, "unit_cost")?,
        );
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// A sale from `location`; with `reservation`, it may use what that reservation holds.
    #[staticmethod]
    #[pyo3(signature = (product, location, quantity, *, reservation = None, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn sale(
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        reservation: Option<i64>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut request = MovementRequest::sale(
            ProductId(product),
            LocationId(location),
            quantity_arg(quantity, "quantity")?,
        );
        if let (
            Some(id),
            inventario_core::StockCommand::Sale {
                reservation: slot, ..
            },
        ) = (reservation, &mut request.command)
        {
            *slot = Some(ReservationId(id));
        }
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// Goods a customer brought back to `location`, optionally naming the original sale.
    #[staticmethod]
    #[pyo3(signature = (product, location, quantity, *, original_sale = None, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn customer_return(
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        original_sale: Option<i64>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let request = MovementRequest::customer_return(
            ProductId(product),
            LocationId(location),
            quantity_arg(quantity, "quantity")?,
            original_sale.map(MovementId),
        );
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// Goods sent back to the supplier from `location`.
    #[staticmethod]
    #[pyo3(signature = (product, location, quantity, *, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn supplier_return(
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let request = MovementRequest::supplier_return(
            ProductId(product),
            LocationId(location),
            quantity_arg(quantity, "quantity")?,
        );
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// Goods lost at `location`: `loss_reason` is expired, damaged, theft or other (other
    /// needs a `reason`).
    #[staticmethod]
    #[pyo3(signature = (product, location, quantity, loss_reason, *, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn loss(
        py: Python<'_>,
        product: i64,
        location: i64,
        quantity: &Bound<'_, PyAny>,
        loss_reason: &str,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let loss: LossReason = code(
            py,
            "loss reason",
            loss_reason,
            "expired, damaged, theft, other",
        )?;
        let request = MovementRequest::loss(
            ProductId(product),
            LocationId(location),
            quantity_arg(quantity, "quantity")?,
            loss,
        );
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// A correction at `location`: either `delta` (signed) or `counted` (what a count found;
    /// the delta is computed). Needs a `reason`.
    #[staticmethod]
    #[pyo3(signature = (product, location, *, delta = None, counted = None, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn adjustment(
        py: Python<'_>,
        product: i64,
        location: i64,
        delta: Option<&Bound<'_, PyAny>>,
        counted: Option<&Bound<'_, PyAny>>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let change = match (
            delta.filter(|d| !d.is_none()),
            counted.filter(|c| !c.is_none()),
        ) {
            (Some(delta), None) => AdjustmentChange::Delta(quantity_arg(delta, "delta")?),
            (None, Some(counted)) => AdjustmentChange::Counted(quantity_arg(counted, "counted")?),
            _ => {
                return Err(PyTypeError::new_err(
                    "adjustment takes exactly one of delta= or counted=",
                ))
            }
        };
        let command = inventario_core::StockCommand::Adjustment {
            product: ProductId(product),
            location: LocationId(location),
            change,
        };
        let request = MovementRequest::new(command);
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// Moves stock between two locations (two ledger rows, one transaction).
    #[staticmethod]
    #[pyo3(signature = (product, from_location, to_location, quantity, *, reason = None, reference = None, lot = None, expiry = None, idempotency_key = None, occurred_at = None))]
    #[allow(clippy::too_many_arguments)]
    fn transfer(
        py: Python<'_>,
        product: i64,
        from_location: i64,
        to_location: i64,
        quantity: &Bound<'_, PyAny>,
        reason: Option<String>,
        reference: Option<String>,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
        idempotency_key: Option<String>,
        occurred_at: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let request = MovementRequest::transfer(
            ProductId(product),
            LocationId(from_location),
            LocationId(to_location),
            quantity_arg(quantity, "quantity")?,
        );
        options!(reason, reference, lot, expiry, idempotency_key, occurred_at).apply(py, request)
    }

    /// The movement kind this request writes (transfers write transfer_out and transfer_in).
    #[getter]
    fn kind(&self) -> &'static str {
        use inventario_core::StockCommand as C;
        match self.inner.command {
            C::Receipt { .. } => "receipt",
            C::Sale { .. } => "sale",
            C::CustomerReturn { .. } => "customer_return",
            C::SupplierReturn { .. } => "supplier_return",
            C::Loss { .. } => "loss",
            C::Adjustment { .. } => "adjustment",
            C::Transfer { .. } => "transfer",
        }
    }

    /// The product.
    #[getter]
    fn product(&self) -> i64 {
        self.inner.command.product().get()
    }

    /// The idempotency key, if any.
    #[getter]
    fn idempotency_key(&self) -> Option<String> {
        self.inner.idempotency_key.clone()
    }

    fn __repr__(&self) -> String {
        let locations: Vec<String> = self
            .inner
            .command
            .locations()
            .iter()
            .map(|l| l.get().to_string())
            .collect();
        let key = match &self.inner.idempotency_key {
            Some(key) => format!("{key:?}"),
            None => "None".to_owned(),
        };
        format!(
            "MovementRequest(kind={:?}, product={}, locations=[{}], idempotency_key={key})",
            self.kind(),
            self.product(),
            locations.join(", "),
        )
    }
}
