//! Personal data: customers, suppliers' contact data, blind-index lookups and erasure.
//!
//! Each subject gets its own data key (`customer:<id>`, `supplier:<id>`) in the transaction that
//! creates it. Identity documents, CUITs and emails are also indexed by a blind index (HMAC under
//! a per-column key) so that equality lookups never decrypt the whole table; every candidate is
//! decrypted and compared before it is returned, so a truncated index's false positives drop out.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::codec::{self, corrupt, micros};
use super::fields::{
    EncryptedColumn, SubjectKind, CUSTOMER_ADDRESS, CUSTOMER_DOCUMENT, CUSTOMER_EMAIL,
    CUSTOMER_NAMES, CUSTOMER_PHONE, CUSTOMER_SURNAME, SUPPLIER_ADDRESS, SUPPLIER_CUIT,
    SUPPLIER_EMAIL, SUPPLIER_PHONE,
};
use super::keys::KeyChanges;
use super::ledger::Tx;
use super::{Entry, Store};
use crate::audit::EventType;
use crate::domain::Actor;
use serde_json::json;

/// The fields a customer-identity read returns, as named in its audit record.
const IDENTITY_FIELDS: &[&str] = &["names", "surname", "document", "phone", "email", "address"];
/// The fields a supplier-contact read returns.
const CONTACT_FIELDS: &[&str] = &["cuit", "phone", "email", "address"];
use crate::crypto::{BlindIndexLen, FieldValue, KeyPurpose, Normalizer};
use crate::domain::catalog::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList, Supplier,
    SupplierContact,
};
use crate::domain::values::{Cuit, Dni, Money};
use crate::domain::{CustomerId, RuleError, SupplierId};
use crate::error::Result;

/// A customer to create: commercial terms (stored in clear) and identity (stored encrypted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustomer {
    /// Code, kind, price list, credit limit, discount.
    pub customer: Customer,
    /// Names, document and contact: personal data, encrypted under the customer's own key.
    pub identity: CustomerIdentity,
}

/// A stored customer, without their personal data (read it with
/// [`crate::Inventory::customer_identity`], which decrypts it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCustomer {
    /// Store-assigned id.
    pub id: CustomerId,
    /// Commercial terms.
    pub customer: Customer,
    /// When the customer's personal data was erased (crypto-shredded), if it was.
    pub erased_at: Option<DateTime<Utc>>,
}

/// What [`crate::Inventory::erase_subject`] destroyed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErasureReceipt {
    /// Customer or supplier.
    pub kind: SubjectKind,
    /// Their id.
    pub id: i64,
    /// The data keys destroyed: every envelope they sealed is unreadable for good.
    pub destroyed_keys: Vec<u32>,
    /// The encrypted fields (`table.column`) that held data and can no longer be read.
    pub unreadable_fields: Vec<String>,
    /// The blind-index values removed, so the subject can no longer be found by them.
    pub blind_indexes_removed: usize,
    /// The fiscal fields (`table.column`) kept, sealed under [`ErasureReceipt::kept_scope`],
    /// because the fiscal part had to be kept ([`ErasureReceipt::refusal`]). Empty when
    /// everything was erased.
    pub kept_fields: Vec<String>,
    /// The key scope that now holds the kept fiscal part (`fiscal:customer:42`), if any.
    pub kept_scope: Option<String>,
    /// Why part of the erasure was refused: a legal hold
    /// ([`RefusalReason::LegalHold`](crate::domain::privacy::RefusalReason::LegalHold), with
    /// [`ErasureReceipt::holds`]) or fiscal records within the retention period
    /// ([`RefusalReason::FiscalRetention`](crate::domain::privacy::RefusalReason::FiscalRetention)).
    /// `None` when everything was erased.
    pub refusal: Option<crate::domain::privacy::RefusalReason>,
    /// The legal holds in force that kept the fiscal part.
    pub holds: Vec<i64>,
    /// The pending erasure requests of this subject that the erasure answered.
    pub requests_closed: Vec<i64>,
    /// When.
    pub erased_at: DateTime<Utc>,
}

pub(super) const CUSTOMER_COLUMNS: &str = "id, code, kind, price_list, credit_limit_centavos, \
    discount_centipercent, erased_at";

pub(super) fn customer_row(row: &AnyRow) -> Result<StoredCustomer> {
    let kind: String = row.try_get("kind")?;
    let price_list: String = row.try_get("price_list")?;
    Ok(StoredCustomer {
        id: CustomerId(row.try_get("id")?),
        customer: Customer {
            code: row.try_get("code")?,
            kind: match kind.as_str() {
                "persona" => CustomerKind::Persona,
                "empresa" => CustomerKind::Empresa,
                _ => return Err(corrupt("unknown customer kind")),
            },
            price_list: match price_list.as_str() {
                "general" => PriceList::General,
                "mayorista" => PriceList::Mayorista,
                "especial" => PriceList::Especial,
                _ => return Err(corrupt("unknown price list")),
            },
            credit_limit: Money::from_centavos(row.try_get("credit_limit_centavos")?),
            discount_percent: Money::from_centavos(row.try_get("discount_centipercent")?),
        },
        erased_at: row
            .try_get::<Option<i64>, _>("erased_at")?
            .map(codec::instant)
            .transpose()?,
    })
}

fn kind_code(kind: CustomerKind) -> &'static str {
    match kind {
        CustomerKind::Persona => "persona",
        CustomerKind::Empresa => "empresa",
    }
}

fn price_list_code(list: PriceList) -> &'static str {
    match list {
        PriceList::General => "general",
        PriceList::Mayorista => "mayorista",
        PriceList::Especial => "especial",
    }
}

/// A document's stored type and its canonical text (digits only for DNI/CUIT/CUIL).
pub(super) fn document_parts(doc: &IdentityDocument) -> (&'static str, String) {
    match doc {
        IdentityDocument::Dni(d) => ("dni", d.as_str().to_owned()),
        IdentityDocument::Cuit(c) => ("cuit", c.canonical().to_owned()),
        IdentityDocument::Cuil(c) => ("cuil", c.canonical().to_owned()),
        IdentityDocument::Pasaporte(p) => ("pasaporte", p.trim().to_owned()),
    }
}

pub(super) fn document_from(kind: &str, text: &str) -> Result<IdentityDocument> {
    let bad = |_| corrupt("stored identity document does not parse");
    Ok(match kind {
        "dni" => IdentityDocument::Dni(Dni::parse(text).map_err(bad)?),
        "cuit" => IdentityDocument::Cuit(Cuit::parse(text).map_err(bad)?),
        "cuil" => IdentityDocument::Cuil(Cuit::parse(text).map_err(bad)?),
        "pasaporte" => IdentityDocument::Pasaporte(text.to_owned()),
        _ => return Err(corrupt("unknown identity document type")),
    })
}

/// The normaliser of a document's blind index: digits for the fiscal numbers, exact for
/// passports (whose letters matter).
pub(super) fn document_normalizer(kind: &str) -> Normalizer {
    if kind == "pasaporte" {
        Normalizer::Exact
    } else {
        Normalizer::Digits
    }
}

/// Optional text, trimmed, with empty meaning absent.
fn clean(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

impl Store {
    /// `columns` of one subject's row, with the key cache up to date for decrypting them.
    async fn subject_row(
        &self,
        kind: SubjectKind,
        id: i64,
        columns: &str,
    ) -> Result<Option<AnyRow>> {
        self.sync_keys_for_read().await?;
        let sql = format!(
            "SELECT {columns} FROM {} WHERE tenant_id = $1 AND id = $2",
            kind.table()
        );
        Ok(sqlx::query(&sql)
            .bind(self.tenant())
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Opens the optional text field `column` of a subject's row.
    fn open_in(&self, row: &AnyRow, column: &EncryptedColumn, id: i64) -> Result<Option<String>> {
        let envelope: Option<Vec<u8>> = row.try_get(column.column)?;
        column.open_text(self.keys(), id, envelope.as_deref())
    }

    /// The blind index of `value` in `table`.`column`, creating the column's index key inside
    /// `tx` on first use.
    pub(super) async fn blind_index_in(
        &self,
        tx: &mut Tx,
        table: &str,
        column: &str,
        normalizer: Normalizer,
        value: &str,
        changes: &mut KeyChanges,
    ) -> Result<Vec<u8>> {
        let key = match self.keys().blind_index_key(table, column)? {
            Some(key) => key,
            None => {
                let scope = crate::crypto::blind_index_scope(table, column);
                let created = self
                    .create_key(tx, KeyPurpose::BlindIndex, &scope, changes)
                    .await?;
                Arc::new(created.blind_index_key())
            }
        };
        Ok(key.index(normalizer, value, BlindIndexLen::DEFAULT))
    }

    /// The blind index of `value`, or `None` when the column has no key yet (nothing indexed).
    fn blind_index_of(
        &self,
        table: &str,
        column: &str,
        normalizer: Normalizer,
        value: &str,
    ) -> Result<Option<Vec<u8>>> {
        Ok(self
            .keys()
            .blind_index_key(table, column)?
            .map(|key| key.index(normalizer, value, BlindIndexLen::DEFAULT)))
    }

    /// Makes sure subject `id` has an active data key, creating one inside `tx`.
    pub(super) async fn subject_key(
        &self,
        tx: &mut Tx,
        kind: SubjectKind,
        id: i64,
        changes: &mut KeyChanges,
    ) -> Result<Option<crate::crypto::NewKey>> {
        let scope = kind.scope(id);
        if self.keys().active_id(KeyPurpose::Data, &scope).is_some() {
            return Ok(None);
        }
        Ok(Some(
            self.create_key(tx, KeyPurpose::Data, &scope, changes)
                .await?,
        ))
    }

    pub(crate) async fn create_customer(
        &self,
        new: NewCustomer,
        actor: &Actor,
    ) -> Result<StoredCustomer> {
        let mut tx = self.write().await?;
        let mut changes = KeyChanges::default();
        let (created, entry) = self
            .insert_customer(&mut tx, new, Utc::now(), &mut changes)
            .await?;
        self.commit_audited(tx, actor, entry).await?;
        changes.apply(self.keys());
        Ok(created)
    }

    /// Validates and inserts a customer in the caller's transaction, with their personal data
    /// sealed under a data key of their own; returns the customer and the audit entry (value
    /// MACs only) for the caller to append.
    pub(crate) async fn insert_customer(
        &self,
        tx: &mut Tx,
        new: NewCustomer,
        now: DateTime<Utc>,
        changes: &mut KeyChanges,
    ) -> Result<(StoredCustomer, Entry)> {
        let customer = new.customer.validate()?;
        let identity = new.identity;
        if identity.names.trim().is_empty() {
            return Err(RuleError::InvalidText {
                field: "customer names",
                max: 200,
            }
            .into());
        }
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM customers WHERE tenant_id = $1 AND code = $2")
                .bind(self.tenant())
                .bind(&customer.code)
                .fetch_optional(&mut **tx)
                .await?;
        if taken.is_some() {
            return Err(RuleError::DuplicateCustomerCode(customer.code).into());
        }
        let id = self.next_id(tx, "customers").await?;
        let key = self
            .subject_key(tx, SubjectKind::Customer, id, changes)
            .await?
            .ok_or_else(|| corrupt("a new customer id already has a data key"))?;
        let data_key = key.data_key();
        let seal = |column: &EncryptedColumn, text: Option<&str>| -> Result<Option<Vec<u8>>> {
            text.map(|t| column.seal_with(self.keys(), &data_key, id, &FieldValue::Text(t.into())))
                .transpose()
        };
        let names = seal(&CUSTOMER_NAMES, Some(identity.names.trim()))?;
        let surname = seal(&CUSTOMER_SURNAME, clean(&identity.surname))?;
        let document = identity.document.as_ref().map(document_parts);
        let document_env = seal(&CUSTOMER_DOCUMENT, document.as_ref().map(|d| d.1.as_str()))?;
        let phone = seal(&CUSTOMER_PHONE, clean(&identity.phone))?;
        let email = seal(&CUSTOMER_EMAIL, clean(&identity.email))?;
        let address = seal(&CUSTOMER_ADDRESS, clean(&identity.address))?;
        let document_bidx = match &document {
            Some((kind, text)) => Some(
                self.blind_index_in(
                    tx,
                    "customers",
                    "document",
                    document_normalizer(kind),
                    text,
                    changes,
                )
                .await?,
            ),
            None => None,
        };
        let email_bidx = match clean(&identity.email) {
            Some(email) => Some(
                self.blind_index_in(tx, "customers", "email", Normalizer::Email, email, changes)
                    .await?,
            ),
            None => None,
        };
        sqlx::query(
            "INSERT INTO customers (id, tenant_id, code, kind, price_list, credit_limit_centavos, \
               discount_centipercent, names, surname, document_type, document, document_bidx, \
               phone, email, email_bidx, address, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)",
        )
        .bind(id)
        .bind(self.tenant())
        .bind(&customer.code)
        .bind(kind_code(customer.kind))
        .bind(price_list_code(customer.price_list))
        .bind(customer.credit_limit.centavos())
        .bind(customer.discount_percent.centavos())
        .bind(names)
        .bind(surname)
        .bind(document.as_ref().map(|d| d.0))
        .bind(document_env)
        .bind(document_bidx)
        .bind(phone)
        .bind(email)
        .bind(email_bidx)
        .bind(address)
        .bind(micros(now))
        .execute(&mut **tx)
        .await?;
        let values = self.value_macs(&[
            ("names", Some(identity.names.trim())),
            ("surname", clean(&identity.surname)),
            ("document", document.as_ref().map(|d| d.1.as_str())),
            ("phone", clean(&identity.phone)),
            ("email", clean(&identity.email)),
            ("address", clean(&identity.address)),
        ])?;
        let entry = Entry::new(EventType::SensitiveDataModify, "customers", id)
            .key(Some(key.record().id))
            .detail(json!({ "action": "create", "code": customer.code, "values": values }));
        Ok((
            StoredCustomer {
                id: CustomerId(id),
                customer,
                erased_at: None,
            },
            entry,
        ))
    }

    pub(crate) async fn customer(&self, id: CustomerId) -> Result<Option<StoredCustomer>> {
        let sql =
            format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(customer_row).transpose()
    }

    /// Decrypts a customer's identity after recording the access (`ENCRYPTED_DATA_DECRYPT`):
    /// `None` for an unknown id, `KeyDestroyed` once erased.
    pub(crate) async fn customer_identity(
        &self,
        id: CustomerId,
        actor: &Actor,
    ) -> Result<Option<CustomerIdentity>> {
        let Some(identity) = self.decrypt_identity(id).await? else {
            return Ok(None);
        };
        let entry = self.access_entry(SubjectKind::Customer, &[id.0], IDENTITY_FIELDS);
        self.audit_access(actor, entry).await?;
        Ok(Some(identity))
    }

    /// Decrypts several customers' identities, recording one access for all of them; an
    /// unknown id gives `None` in its place.
    pub(crate) async fn customer_identities(
        &self,
        ids: &[CustomerId],
        actor: &Actor,
    ) -> Result<Vec<Option<CustomerIdentity>>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.push(self.decrypt_identity(*id).await?);
        }
        let read: Vec<i64> = ids
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_some())
            .map(|(id, _)| id.0)
            .collect();
        if !read.is_empty() {
            let entry = self.access_entry(SubjectKind::Customer, &read, IDENTITY_FIELDS);
            self.audit_access(actor, entry).await?;
        }
        Ok(found)
    }

    /// The `ENCRYPTED_DATA_DECRYPT` record of a read of `rows` of one kind of subject: one
    /// record, listing the row keys.
    fn access_entry(&self, kind: SubjectKind, rows: &[i64], fields: &[&str]) -> Entry {
        let key = match rows {
            [only] => only.to_string(),
            _ => String::new(),
        };
        let key_id = match rows {
            [only] => self.keys().active_id(KeyPurpose::Data, &kind.scope(*only)),
            _ => None,
        };
        Entry::new(EventType::EncryptedDataDecrypt, kind.table(), key)
            .key(key_id)
            .detail(json!({ "rows": rows.len(), "row_keys": rows, "fields": fields }))
    }

    async fn decrypt_identity(&self, id: CustomerId) -> Result<Option<CustomerIdentity>> {
        let Some(row) = self
            .subject_row(
                SubjectKind::Customer,
                id.0,
                "names, surname, document_type, document, phone, email, address",
            )
            .await?
        else {
            return Ok(None);
        };
        let open = |column: &EncryptedColumn| self.open_in(&row, column, id.0);
        let names = open(&CUSTOMER_NAMES)?.ok_or_else(|| corrupt("customer without names"))?;
        let document = match (
            row.try_get::<Option<String>, _>("document_type")?,
            open(&CUSTOMER_DOCUMENT)?,
        ) {
            (Some(kind), Some(text)) => Some(document_from(&kind, &text)?),
            (None, None) => None,
            _ => return Err(corrupt("customer document without its type")),
        };
        Ok(Some(CustomerIdentity {
            names,
            surname: open(&CUSTOMER_SURNAME)?,
            document,
            phone: open(&CUSTOMER_PHONE)?,
            email: open(&CUSTOMER_EMAIL)?,
            address: open(&CUSTOMER_ADDRESS)?,
        }))
    }

    /// Customers whose `column` blind index matches `value`, confirmed by decrypting and
    /// comparing the normalised values.
    async fn customers_by_index(
        &self,
        column: &EncryptedColumn,
        normalizer: Normalizer,
        value: &str,
        document_type: Option<&str>,
    ) -> Result<Vec<StoredCustomer>> {
        self.sync_keys_for_read().await?;
        let Some(bidx) = self.blind_index_of(column.table, column.column, normalizer, value)?
        else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS}, {col} AS sealed FROM customers \
             WHERE tenant_id = $1 AND {col}_bidx = $2 AND ($3 IS NULL OR document_type = $3) \
             ORDER BY id",
            col = column.column
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(bidx)
            .bind(document_type)
            .fetch_all(self.pool())
            .await?;
        let wanted = normalizer.normalize(value);
        let mut found = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            let text = column
                .open_text(self.keys(), id, Some(&sealed))?
                .unwrap_or_default();
            if normalizer.normalize(&text) == wanted {
                found.push(customer_row(row)?);
            }
        }
        Ok(found)
    }

    pub(crate) async fn find_customers_by_document(
        &self,
        document: &IdentityDocument,
    ) -> Result<Vec<StoredCustomer>> {
        let (kind, text) = document_parts(document);
        self.customers_by_index(
            &CUSTOMER_DOCUMENT,
            document_normalizer(kind),
            &text,
            Some(kind),
        )
        .await
    }

    pub(crate) async fn find_customers_by_email(&self, email: &str) -> Result<Vec<StoredCustomer>> {
        self.customers_by_index(&CUSTOMER_EMAIL, Normalizer::Email, email, None)
            .await
    }

    /// Replaces a supplier's contact data (all four fields), sealed under the supplier's key.
    pub(crate) async fn set_supplier_contact(
        &self,
        id: SupplierId,
        contact: &SupplierContact,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let mut changes = KeyChanges::default();
        self.write_supplier_contact(&mut tx, id, contact, &mut changes)
            .await?;
        let values = self.value_macs(&[
            ("cuit", contact.cuit.as_ref().map(|c| c.canonical())),
            ("phone", clean(&contact.phone)),
            ("email", clean(&contact.email)),
            ("address", clean(&contact.address)),
        ])?;
        let entry = Entry::new(EventType::SensitiveDataModify, "suppliers", id.0)
            .key(
                self.keys()
                    .active_id(KeyPurpose::Data, &SubjectKind::Supplier.scope(id.0)),
            )
            .detail(json!({ "action": "set_contact", "values": values }));
        self.commit_audited(tx, actor, entry).await?;
        changes.apply(self.keys());
        Ok(())
    }

    /// Seals and writes a supplier's contact inside `tx`.
    pub(crate) async fn write_supplier_contact(
        &self,
        tx: &mut Tx,
        id: SupplierId,
        contact: &SupplierContact,
        changes: &mut KeyChanges,
    ) -> Result<()> {
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM suppliers WHERE tenant_id = $1 AND id = $2")
                .bind(self.tenant())
                .bind(id.0)
                .fetch_optional(&mut **tx)
                .await?;
        if exists.is_none() {
            return Err(RuleError::SupplierNotFound(id).into());
        }
        let data_key = match self
            .subject_key(tx, SubjectKind::Supplier, id.0, changes)
            .await?
        {
            Some(created) => Arc::new(created.data_key()),
            None => self
                .keys()
                .active_data_key(&SubjectKind::Supplier.scope(id.0))?
                .ok_or_else(|| corrupt("supplier key vanished"))?,
        };
        let seal = |column: &EncryptedColumn, text: Option<&str>| -> Result<Option<Vec<u8>>> {
            text.map(|t| {
                column.seal_with(self.keys(), &data_key, id.0, &FieldValue::Text(t.into()))
            })
            .transpose()
        };
        let cuit = contact.cuit.as_ref().map(|c| c.canonical().to_owned());
        let cuit_bidx = match &cuit {
            Some(c) => Some(
                self.blind_index_in(tx, "suppliers", "cuit", Normalizer::Digits, c, changes)
                    .await?,
            ),
            None => None,
        };
        if let Some(bidx) = &cuit_bidx {
            let other: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM suppliers WHERE tenant_id = $1 AND cuit_bidx = $2 AND id <> $3",
            )
            .bind(self.tenant())
            .bind(bidx)
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await?;
            if other.is_some() {
                return Err(RuleError::InvalidText {
                    field: "supplier CUIT (already used by another supplier)",
                    max: 13,
                }
                .into());
            }
        }
        sqlx::query(
            "UPDATE suppliers SET cuit = $3, cuit_bidx = $4, phone = $5, email = $6, address = $7 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(self.tenant())
        .bind(id.0)
        .bind(seal(&SUPPLIER_CUIT, cuit.as_deref())?)
        .bind(cuit_bidx)
        .bind(seal(&SUPPLIER_PHONE, clean(&contact.phone))?)
        .bind(seal(&SUPPLIER_EMAIL, clean(&contact.email))?)
        .bind(seal(&SUPPLIER_ADDRESS, clean(&contact.address))?)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Decrypts a supplier's contact data after recording the access: `None` for an unknown
    /// supplier.
    pub(crate) async fn supplier_contact(
        &self,
        id: SupplierId,
        actor: &Actor,
    ) -> Result<Option<SupplierContact>> {
        let Some(contact) = self.decrypt_contact(id).await? else {
            return Ok(None);
        };
        let entry = self.access_entry(SubjectKind::Supplier, &[id.0], CONTACT_FIELDS);
        self.audit_access(actor, entry).await?;
        Ok(Some(contact))
    }

    async fn decrypt_contact(&self, id: SupplierId) -> Result<Option<SupplierContact>> {
        let Some(row) = self
            .subject_row(SubjectKind::Supplier, id.0, "cuit, phone, email, address")
            .await?
        else {
            return Ok(None);
        };
        let open = |column: &EncryptedColumn| self.open_in(&row, column, id.0);
        let cuit = open(&SUPPLIER_CUIT)?
            .map(|c| Cuit::parse(&c).map_err(|_| corrupt("stored CUIT does not parse")))
            .transpose()?;
        Ok(Some(SupplierContact {
            cuit,
            phone: open(&SUPPLIER_PHONE)?,
            email: open(&SUPPLIER_EMAIL)?,
            address: open(&SUPPLIER_ADDRESS)?,
        }))
    }

    pub(crate) async fn find_supplier_by_cuit(&self, cuit: &Cuit) -> Result<Option<Supplier>> {
        self.sync_keys_for_read().await?;
        let Some(bidx) =
            self.blind_index_of("suppliers", "cuit", Normalizer::Digits, cuit.canonical())?
        else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {}, cuit AS sealed FROM suppliers WHERE tenant_id = $1 AND cuit_bidx = $2",
            codec::SUPPLIER_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(self.tenant())
            .bind(bidx)
            .fetch_all(self.pool())
            .await?;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sealed: Vec<u8> = row.try_get("sealed")?;
            if SUPPLIER_CUIT
                .open_text(self.keys(), id, Some(&sealed))?
                .as_deref()
                == Some(cuit.canonical())
            {
                return Ok(Some(codec::supplier(row)?));
            }
        }
        Ok(None)
    }
}
