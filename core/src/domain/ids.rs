//! Identifiers of the inventory's entities.
//!
//! Numeric ids are assigned by the store; the newtypes keep a product id from being passed where a
//! location id is expected. [`TenantId`] and [`Actor`] are validated text.

use std::fmt;

use super::error::RuleError;

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw number the store assigned.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "#{}"), self.0)
            }
        }
    };
}

numeric_id!(
    /// A product \[producto\].
    ProductId,
    "product"
);
numeric_id!(
    /// A location \[ubicacion\]: a warehouse or a bin.
    LocationId,
    "location"
);
numeric_id!(
    /// A supplier \[proveedor\].
    SupplierId,
    "supplier"
);
numeric_id!(
    /// A row of the stock ledger.
    MovementId,
    "movement"
);
numeric_id!(
    /// A stock reservation.
    ReservationId,
    "reservation"
);
numeric_id!(
    /// A purchase order \[pedido\].
    OrderId,
    "order"
);
numeric_id!(
    /// A line of a purchase order.
    OrderLineId,
    "order-line"
);
numeric_id!(
    /// A customer's id, assigned by the store.
    CustomerId,
    "customer"
);

/// A shop or branch. Every stored row carries one; a handle is bound to one tenant.
///
/// 1–64 characters of lower-case ASCII letters, digits, `-` and `_`.
///
/// ```
/// use inventario_core::domain::TenantId;
/// assert_eq!(TenantId::parse("sucursal-centro").unwrap().as_str(), "sucursal-centro");
/// assert!(TenantId::parse("Sucursal Centro").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantId(String);

impl TenantId {
    /// Validates a tenant id.
    pub fn parse(s: &str) -> Result<TenantId, RuleError> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(TenantId(s.to_owned()))
        } else {
            Err(RuleError::InvalidTenant)
        }
    }

    /// The tenant used when none is given.
    pub fn default_tenant() -> TenantId {
        TenantId("default".to_owned())
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who performs a command: a user or service name that comes from the caller's authentication,
/// never from the data being written. Trimmed, 1–200 characters.
///
/// ```
/// use inventario_core::domain::Actor;
/// assert_eq!(Actor::parse(" cajero-1 ").unwrap().as_str(), "cajero-1");
/// assert!(Actor::parse("  ").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Actor(String);

impl Actor {
    /// Validates an actor name.
    pub fn parse(s: &str) -> Result<Actor, RuleError> {
        let trimmed = s.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 200 {
            return Err(RuleError::InvalidActor);
        }
        Ok(Actor(trimmed.to_owned()))
    }

    /// The name as recorded.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
