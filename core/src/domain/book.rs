//! The stock rules of DOMAIN 3 and 4, applied to an in-memory slice of the inventory.
//!
//! A [`StockBook`] holds what a command needs to know (products, locations, balances, average
//! costs, reservations), applies commands to itself and returns the ledger rows they produce. The
//! store loads a book inside a transaction, applies the commands and writes the rows and the
//! touched balances back; tests and property tests drive a book directly. A command that breaks a
//! rule leaves the book unchanged, and so does a batch with any such command.

use std::collections::HashMap;

use super::error::RuleError;
use super::ids::{LocationId, MovementId, ProductId, ReservationId};
use super::movement::{AdjustmentChange, MovementDraft, MovementKind, StockCommand};
use super::values::{Quantity, UnitCost, UnitOfMeasure, ValueError};

/// What the rules need to know about a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductStock {
    /// Its unit of measure: `unidad` products move whole quantities only.
    pub unit: UnitOfMeasure,
    /// Inactive products accept no movement.
    pub active: bool,
    /// Weighted-average unit cost over all locations.
    pub average_cost: UnitCost,
}

/// What the rules need to know about a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationPolicy {
    /// Whether balances here may go below zero.
    pub negative_stock_allowed: bool,
}

/// A (product, location) balance \[stock_actual\].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    /// Physically present.
    pub on_hand: Quantity,
    /// Held by active reservations.
    pub reserved: Quantity,
    /// Sequence number of the last ledger row (0 for none).
    pub last_seq: i64,
}

impl Balance {
    /// What a sale may take without a reservation: `on_hand − reserved`, never below zero (a
    /// loss can leave less on hand than is reserved).
    pub fn available(&self) -> Quantity {
        self.on_hand
            .checked_sub(self.reserved)
            .map_or(Quantity::ZERO, |free| free.max(Quantity::ZERO))
    }
}

/// An active reservation as the rules see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldStock {
    /// The product held.
    pub product: ProductId,
    /// Where.
    pub location: LocationId,
    /// How much is still held.
    pub remaining: Quantity,
}

/// An in-memory slice of the inventory that applies stock commands. See the module docs.
///
/// ```
/// use inventario_core::domain::book::{LocationPolicy, ProductStock, StockBook};
/// use inventario_core::domain::values::{Quantity, UnitCost, UnitOfMeasure};
/// use inventario_core::domain::{LocationId, MovementKind, ProductId, StockCommand};
///
/// let (coca, shop) = (ProductId(10), LocationId(1));
/// let mut book = StockBook::default();
/// book.add_product(coca, ProductStock { unit: UnitOfMeasure::Unidad, active: true, average_cost: UnitCost::ZERO });
/// book.add_location(shop, LocationPolicy { negative_stock_allowed: false });
///
/// let rows = book.apply(&StockCommand::Receipt {
///     product: coca, location: shop,
///     quantity: Quantity::from_units(12).unwrap(),
///     unit_cost: "850".parse().unwrap(),
/// }).unwrap();
/// assert_eq!(rows[0].kind, MovementKind::Receipt);
/// assert_eq!(book.balance(coca, shop).on_hand, Quantity::from_units(12).unwrap());
///
/// let too_many = StockCommand::Sale { product: coca, location: shop,
///     quantity: Quantity::from_units(13).unwrap(), reservation: None };
/// assert_eq!(book.apply(&too_many).unwrap_err().to_string(),
///            "insufficient stock: available 12, requested 13");
/// ```
#[derive(Clone, Debug, Default)]
pub struct StockBook {
    products: HashMap<ProductId, ProductStock>,
    locations: HashMap<LocationId, LocationPolicy>,
    balances: HashMap<(ProductId, LocationId), Balance>,
    reservations: HashMap<ReservationId, HeldStock>,
    sale_costs: HashMap<MovementId, (ProductId, UnitCost)>,
}

/// A batch line that broke a rule, and which line it was (0-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {error}")]
pub struct LineError {
    /// The failing line's index, from 0.
    pub line: usize,
    /// The rule it broke.
    pub error: RuleError,
}

impl StockBook {
    /// Makes a product known to the book.
    pub fn add_product(&mut self, id: ProductId, product: ProductStock) {
        self.products.insert(id, product);
    }

    /// Makes a location known to the book.
    pub fn add_location(&mut self, id: LocationId, policy: LocationPolicy) {
        self.locations.insert(id, policy);
    }

    /// Loads a stored balance.
    pub fn set_balance(&mut self, product: ProductId, location: LocationId, balance: Balance) {
        self.balances.insert((product, location), balance);
    }

    /// Loads an active reservation.
    pub fn add_reservation(&mut self, id: ReservationId, held: HeldStock) {
        self.reservations.insert(id, held);
    }

    /// Loads the unit cost recorded on a past sale, so that a return referencing it is valued
    /// at that cost.
    pub fn add_sale_cost(&mut self, sale: MovementId, product: ProductId, unit_cost: UnitCost) {
        self.sale_costs.insert(sale, (product, unit_cost));
    }

    /// The location's policy, if known.
    pub fn location_policy(&self, id: LocationId) -> Option<LocationPolicy> {
        self.locations.get(&id).copied()
    }

    /// The product's state, if known.
    pub fn product(&self, id: ProductId) -> Option<&ProductStock> {
        self.products.get(&id)
    }

    /// The balance at (product, location); zero when nothing was ever recorded there.
    pub fn balance(&self, product: ProductId, location: LocationId) -> Balance {
        self.balances
            .get(&(product, location))
            .copied()
            .unwrap_or_default()
    }

    /// The reservation's state, if it is still active.
    pub fn reservation(&self, id: ReservationId) -> Option<&HeldStock> {
        self.reservations.get(&id)
    }

    /// Every (product, location) balance the book holds.
    pub fn balances(&self) -> impl Iterator<Item = (ProductId, LocationId, Balance)> + '_ {
        self.balances.iter().map(|(&(p, l), &b)| (p, l, b))
    }

    /// Total on hand of a product over the locations the book holds.
    pub fn total_on_hand(&self, product: ProductId) -> Result<Quantity, ValueError> {
        self.balances
            .iter()
            .filter(|((p, _), _)| *p == product)
            .try_fold(Quantity::ZERO, |sum, (_, b)| {
                sum.checked_add(b.on_hand).ok_or(ValueError::Overflow)
            })
    }

    /// Applies one command. On success the book reflects it and the new ledger rows are
    /// returned; on failure the book is unchanged.
    pub fn apply(&mut self, command: &StockCommand) -> Result<Vec<MovementDraft>, RuleError> {
        let mut next = self.clone();
        let rows = next.apply_in_place(command)?;
        *self = next;
        Ok(rows)
    }

    /// Applies every command or none: the first failing line is reported with its index and the
    /// book is left as it was.
    pub fn apply_all<'a>(
        &mut self,
        commands: impl IntoIterator<Item = &'a StockCommand>,
    ) -> Result<Vec<Vec<MovementDraft>>, LineError> {
        let mut next = self.clone();
        let mut out = Vec::new();
        for (line, command) in commands.into_iter().enumerate() {
            out.push(
                next.apply_in_place(command)
                    .map_err(|error| LineError { line, error })?,
            );
        }
        *self = next;
        Ok(out)
    }

    /// Opens a new product's balance: one `InitialStock` row at `unit_cost`.
    pub fn initial_stock(
        &mut self,
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
        unit_cost: UnitCost,
    ) -> Result<MovementDraft, RuleError> {
        let unit = self.active_product(product)?.unit;
        let quantity = unit.validate_movement_quantity(quantity)?;
        let mut next = self.clone();
        let row = next.receive(
            product,
            location,
            MovementKind::InitialStock,
            quantity,
            unit_cost,
        )?;
        *self = next;
        Ok(row)
    }

    /// Creates a reservation of `quantity` at (product, location) out of available
    /// stock.
    pub fn reserve(
        &mut self,
        id: ReservationId,
        product: ProductId,
        location: LocationId,
        quantity: Quantity,
    ) -> Result<(), RuleError> {
        let stock = self.active_product(product)?;
        let quantity = stock.unit.validate_movement_quantity(quantity)?;
        self.policy(location)?;
        let mut balance = self.balance(product, location);
        let available = balance.available();
        if quantity > available {
            return Err(RuleError::InsufficientStock {
                available,
                requested: quantity,
            });
        }
        balance.reserved = add(balance.reserved, quantity)?;
        self.balances.insert((product, location), balance);
        self.reservations.insert(
            id,
            HeldStock {
                product,
                location,
                remaining: quantity,
            },
        );
        Ok(())
    }

    /// Releases what is left of a reservation (cancelled or expired).
    pub fn release(&mut self, id: ReservationId) -> Result<HeldStock, RuleError> {
        let held = self
            .reservations
            .remove(&id)
            .ok_or(RuleError::ReservationNotFound(id))?;
        let mut balance = self.balance(held.product, held.location);
        balance.reserved = balance
            .reserved
            .checked_sub(held.remaining)
            .ok_or(ValueError::Overflow)?;
        if balance.reserved.is_negative() {
            balance.reserved = Quantity::ZERO;
        }
        self.balances.insert((held.product, held.location), balance);
        Ok(held)
    }

    fn active_product(&self, id: ProductId) -> Result<&ProductStock, RuleError> {
        match self.products.get(&id) {
            Some(p) if p.active => Ok(p),
            _ => Err(RuleError::ProductNotFound(id)),
        }
    }

    fn policy(&self, id: LocationId) -> Result<LocationPolicy, RuleError> {
        self.locations
            .get(&id)
            .copied()
            .ok_or(RuleError::LocationNotFound(id))
    }

    fn apply_in_place(&mut self, command: &StockCommand) -> Result<Vec<MovementDraft>, RuleError> {
        let product = command.product();
        let stock = self.active_product(product)?.clone();
        let unit = stock.unit;
        match *command {
            StockCommand::Receipt {
                location,
                quantity,
                unit_cost,
                ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                self.receive(
                    product,
                    location,
                    MovementKind::Receipt,
                    quantity,
                    unit_cost,
                )
                .map(|row| vec![row])
            }
            StockCommand::CustomerReturn {
                location,
                quantity,
                original_sale,
                ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                let cost = match original_sale {
                    Some(sale) => match self.sale_costs.get(&sale) {
                        Some(&(p, cost)) if p == product => cost,
                        _ => return Err(RuleError::SaleNotFound(sale)),
                    },
                    None => stock.average_cost,
                };
                self.receive(
                    product,
                    location,
                    MovementKind::CustomerReturn,
                    quantity,
                    cost,
                )
                .map(|row| vec![row])
            }
            StockCommand::Sale {
                location,
                quantity,
                reservation,
                ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                // The sale that fulfils a reservation may take what that reservation holds, on
                // top of unreserved stock; reservations of others stay untouched.
                let own_hold = match reservation {
                    Some(id) => self.held_by(id, product, location)?.remaining,
                    None => Quantity::ZERO,
                };
                let row = self.take(
                    product,
                    location,
                    MovementKind::Sale,
                    quantity,
                    Claim::Unreserved { own_hold },
                )?;
                if let Some(id) = reservation {
                    self.consume_reservation(id, quantity)?;
                }
                Ok(row).map(|row| vec![row])
            }
            StockCommand::SupplierReturn {
                location, quantity, ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                self.take(
                    product,
                    location,
                    MovementKind::SupplierReturn,
                    quantity,
                    Claim::UNRESERVED,
                )
                .map(|row| vec![row])
            }
            StockCommand::Loss {
                location,
                quantity,
                reason,
                ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                // A loss is physical: reserved goods can be lost too.
                let mut row = self.take(
                    product,
                    location,
                    MovementKind::Loss,
                    quantity,
                    Claim::Physical,
                )?;
                row.loss_reason = Some(reason);
                Ok(vec![row])
            }
            StockCommand::Adjustment {
                location, change, ..
            } => {
                let before = self.balance(product, location).on_hand;
                let delta = match change {
                    AdjustmentChange::Delta(delta) => delta,
                    AdjustmentChange::Counted(counted) => {
                        if counted.is_negative() {
                            return Err(ValueError::NegativeQuantity.into());
                        }
                        counted.checked_sub(before).ok_or(ValueError::Overflow)?
                    }
                };
                if delta.is_zero() {
                    return Err(match change {
                        AdjustmentChange::Counted(_) => RuleError::AdjustmentChangesNothing,
                        AdjustmentChange::Delta(_) => ValueError::ZeroQuantity.into(),
                    });
                }
                let magnitude = abs(delta)?;
                let magnitude = unit.validate_movement_quantity(magnitude)?;
                if delta.is_positive() {
                    let cost = stock.average_cost;
                    self.add_to_balance(
                        product,
                        location,
                        MovementKind::Adjustment,
                        magnitude,
                        cost,
                    )
                    .map(|row| vec![row])
                } else {
                    self.take(
                        product,
                        location,
                        MovementKind::Adjustment,
                        magnitude,
                        Claim::Physical,
                    )
                    .map(|row| vec![row])
                }
            }
            StockCommand::Transfer {
                from, to, quantity, ..
            } => {
                let quantity = unit.validate_movement_quantity(quantity)?;
                if from == to {
                    return Err(RuleError::TransferToSameLocation);
                }
                self.policy(to)?;
                let out = self.take(
                    product,
                    from,
                    MovementKind::TransferOut,
                    quantity,
                    Claim::UNRESERVED,
                )?;
                let cost = stock.average_cost;
                let arrive =
                    self.add_to_balance(product, to, MovementKind::TransferIn, quantity, cost)?;
                Ok(vec![out, arrive])
            }
        }
    }

    /// Incoming stock at `unit_cost`: re-averages the product's cost over its total on hand.
    fn receive(
        &mut self,
        product: ProductId,
        location: LocationId,
        kind: MovementKind,
        quantity: Quantity,
        unit_cost: UnitCost,
    ) -> Result<MovementDraft, RuleError> {
        self.policy(location)?;
        let held = self.total_on_hand(product)?;
        let stock = self
            .products
            .get(&product)
            .ok_or(RuleError::ProductNotFound(product))?;
        let average = stock
            .average_cost
            .weighted_average(held, quantity, unit_cost)?;
        let row = self.add_to_balance(product, location, kind, quantity, unit_cost)?;
        if let Some(stock) = self.products.get_mut(&product) {
            stock.average_cost = average;
        }
        Ok(row)
    }

    /// Adds to a balance without touching the average cost.
    fn add_to_balance(
        &mut self,
        product: ProductId,
        location: LocationId,
        kind: MovementKind,
        quantity: Quantity,
        unit_cost: UnitCost,
    ) -> Result<MovementDraft, RuleError> {
        let policy = self.policy(location)?;
        let mut balance = self.balance(product, location);
        let before = balance.on_hand;
        balance.on_hand = add(before, quantity)?;
        balance.last_seq += 1;
        self.balances.insert((product, location), balance);
        Ok(MovementDraft {
            product,
            location,
            kind,
            quantity,
            delta: quantity,
            before,
            after: balance.on_hand,
            unit_cost,
            value: unit_cost.value_of(quantity)?,
            seq: balance.last_seq,
            negative_allowed: policy.negative_stock_allowed,
            loss_reason: None,
        })
    }

    /// Takes from a balance at the average cost, refusing to take more than `claim` allows
    /// unless the location accepts negative stock.
    fn take(
        &mut self,
        product: ProductId,
        location: LocationId,
        kind: MovementKind,
        quantity: Quantity,
        claim: Claim,
    ) -> Result<MovementDraft, RuleError> {
        let policy = self.policy(location)?;
        let mut balance = self.balance(product, location);
        let before = balance.on_hand;
        if !policy.negative_stock_allowed {
            let available = match claim {
                Claim::Unreserved { own_hold } => {
                    let held_for_others = balance
                        .reserved
                        .checked_sub(own_hold)
                        .ok_or(ValueError::Overflow)?;
                    before
                        .checked_sub(held_for_others)
                        .ok_or(ValueError::Overflow)?
                        .max(Quantity::ZERO)
                }
                Claim::Physical => before.max(Quantity::ZERO),
            };
            if quantity > available {
                return Err(RuleError::InsufficientStock {
                    available,
                    requested: quantity,
                });
            }
        }
        let delta = quantity.checked_neg().ok_or(ValueError::Overflow)?;
        balance.on_hand = add(before, delta)?;
        balance.last_seq += 1;
        self.balances.insert((product, location), balance);
        let unit_cost = self
            .products
            .get(&product)
            .map(|p| p.average_cost)
            .ok_or(RuleError::ProductNotFound(product))?;
        Ok(MovementDraft {
            product,
            location,
            kind,
            quantity,
            delta,
            before,
            after: balance.on_hand,
            unit_cost,
            value: unit_cost.value_of(delta)?,
            seq: balance.last_seq,
            negative_allowed: policy.negative_stock_allowed,
            loss_reason: None,
        })
    }

    /// The active reservation `id`, checked to hold this product at this location.
    fn held_by(
        &self,
        id: ReservationId,
        product: ProductId,
        location: LocationId,
    ) -> Result<HeldStock, RuleError> {
        let held = *self
            .reservations
            .get(&id)
            .ok_or(RuleError::ReservationNotFound(id))?;
        if held.product != product || held.location != location {
            return Err(RuleError::ReservationMismatch(id));
        }
        Ok(held)
    }

    /// Uses up to `quantity` of a reservation for a sale, releasing it from `reserved`; a
    /// reservation used up is fulfilled and leaves the book.
    fn consume_reservation(
        &mut self,
        id: ReservationId,
        quantity: Quantity,
    ) -> Result<(), RuleError> {
        let held = *self
            .reservations
            .get(&id)
            .ok_or(RuleError::ReservationNotFound(id))?;
        let used = held.remaining.min(quantity);
        let remaining = held
            .remaining
            .checked_sub(used)
            .ok_or(ValueError::Overflow)?;
        if remaining.is_zero() {
            self.reservations.remove(&id);
        } else {
            self.reservations
                .insert(id, HeldStock { remaining, ..held });
        }
        let mut balance = self.balance(held.product, held.location);
        balance.reserved = balance
            .reserved
            .checked_sub(used)
            .ok_or(ValueError::Overflow)?;
        self.balances.insert((held.product, held.location), balance);
        Ok(())
    }
}

/// Which stock an outgoing movement may take where the location forbids negative stock.
#[derive(Clone, Copy, Debug)]
enum Claim {
    /// Stock no reservation holds, plus `own_hold` held by the reservation the command fulfils
    /// (sales, supplier returns, transfers).
    Unreserved {
        /// What the command's own reservation holds.
        own_hold: Quantity,
    },
    /// Anything physically present: losses and corrections happen to reserved goods too.
    Physical,
}

impl Claim {
    const UNRESERVED: Claim = Claim::Unreserved {
        own_hold: Quantity::ZERO,
    };
}

fn add(a: Quantity, b: Quantity) -> Result<Quantity, ValueError> {
    a.checked_add(b).ok_or(ValueError::Overflow)
}

fn abs(q: Quantity) -> Result<Quantity, ValueError> {
    if q.is_negative() {
        q.checked_neg().ok_or(ValueError::Overflow)
    } else {
        Ok(q)
    }
}
