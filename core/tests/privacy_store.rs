//! The data subjects' rights in the store, on SQLite and PostgreSQL: requests and their
//! deadlines, the access export (JSON and CSV), rectification, erasure with a kept fiscal
//! part, retention runs that keep the audit chain verifiable, and backup pruning.

#[macro_use]
mod common;

use chrono::{NaiveDate, TimeDelta, Utc};
use common::*;
use inventario_core::audit::{EventType, Target};
use inventario_core::crypto::{parse_header, CryptoError};
use inventario_core::domain::privacy::{
    HolidayCalendar, PrivacyError, PurgeStop, RefusalReason, Regime, RequestKind, RequestStatus,
    RetentionPolicy, SubjectChanges,
};
use inventario_core::domain::values::{Cuit, Dni};
use inventario_core::domain::{
    Customer, CustomerIdentity, CustomerKind, IdentityDocument, PriceList, SupplierContact,
};
use inventario_core::{
    CustomerId, Error, ExportedValue, Inventory, MovementRequest, NewCustomer, NewOrderLine,
    NewPrivacyRequest, NewSupplier, SubjectKind,
};
use sqlx::Row;

const NAMES: &str = "Mariela Soledad";
const SURNAME: &str = "Quiroga-Ibáñez";
const DNI: &str = "29876543";
const EMAIL: &str = "Mariela.Quiroga@Example.com";
const PHONE: &str = "+54 9 261 555-0199";
const ADDRESS: &str = "Av. San Martín 1234, Mendoza";

fn new_customer(code: &str, names: &str) -> NewCustomer {
    NewCustomer {
        customer: Customer {
            code: code.to_owned(),
            kind: CustomerKind::Persona,
            price_list: PriceList::General,
            credit_limit: money("50000.00"),
            discount_percent: money("5.00"),
        },
        identity: CustomerIdentity {
            names: names.to_owned(),
            surname: Some(SURNAME.to_owned()),
            document: Some(IdentityDocument::Dni(Dni::parse(DNI).unwrap())),
            phone: Some(PHONE.to_owned()),
            email: Some(EMAIL.to_owned()),
            address: Some(ADDRESS.to_owned()),
        },
    }
}

async fn customer(inv: &Inventory) -> CustomerId {
    inv.create_customer(new_customer("C001", NAMES))
        .await
        .unwrap()
        .id
}

async fn audit_count(s: &TestStore) -> i64 {
    let raw = s.raw().await;
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&raw)
        .await
        .unwrap();
    raw.close().await;
    n
}

async fn last_event(inv: &Inventory) -> inventario_core::audit::AuditEvent {
    inv.audit_events_after(0, 10_000)
        .await
        .unwrap()
        .pop()
        .unwrap()
}

fn privacy(e: &Error) -> &PrivacyError {
    match e {
        Error::Privacy(p) => p,
        other => panic!("not a privacy error: {other:?}"),
    }
}

/// Every byte of every table, as text (BLOBs in hex on PostgreSQL; SQLite files read whole).
async fn stored_bytes(s: &TestStore) -> Vec<u8> {
    let mut all = Vec::new();
    match backend() {
        Backend::Sqlite => {
            for entry in std::fs::read_dir(s.dir.path()).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    all.extend(std::fs::read(path).unwrap());
                }
            }
        }
        Backend::Postgres => {
            let raw = s.raw().await;
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(&raw)
            .await
            .unwrap();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM {table} t"))
                        .fetch_all(&raw)
                        .await
                        .unwrap();
                for row in rows {
                    all.extend(row.into_bytes());
                }
            }
            raw.close().await;
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let hex_needle = hex::encode(needle);
    let windows = |n: &[u8]| haystack.windows(n.len()).any(|w| w == n);
    windows(needle.as_bytes()) || windows(hex_needle.as_bytes())
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

backend_tests! {
    #[tokio::test]
    async fn requests_get_their_deadline_and_pending_ones_show_the_days_left() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        // Friday 4 July 2025, with Argentina's holidays: 9 July is skipped.
        inv.set_holidays(&HolidayCalendar::argentina(2025..=2025).unwrap()).await.unwrap();
        let erasure = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Erasure, day(2025, 7, 4),
            ))
            .await
            .unwrap();
        assert_eq!(erasure.due_on, day(2025, 7, 14));
        assert_eq!(erasure.status, RequestStatus::Pending);
        let access = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Access, day(2025, 7, 4),
            ))
            .await
            .unwrap();
        assert_eq!(access.due_on, day(2025, 7, 14));
        let gdpr = inv
            .record_privacy_request(
                &NewPrivacyRequest::new(SubjectKind::Customer, c.0, RequestKind::Rectification, day(2025, 3, 5))
                    .regime(Regime::Gdpr),
            )
            .await
            .unwrap();
        assert_eq!(gdpr.due_on, day(2025, 4, 7), "Saturday 5 April rolls to Monday");

        let last = last_event(inv).await;
        assert_eq!(last.event_type, EventType::PrivacyRequest);
        assert_eq!(last.target, Target::new("customers", c.0.to_string()));
        assert_eq!(last.detail["due_on"], "2025-04-07");

        // The dashboard: soonest first, negative when overdue.
        let pending = inv.pending_privacy_requests(day(2025, 7, 16)).await.unwrap();
        let ids: Vec<i64> = pending.iter().map(|p| p.request.id).collect();
        assert_eq!(ids, [gdpr.id, erasure.id, access.id]);
        assert_eq!(pending[0].days_left, -100);
        assert_eq!(pending[1].days_left, -2);
        assert!(pending.iter().all(|p| p.is_overdue()));
        let early = inv.pending_privacy_requests(day(2025, 7, 10)).await.unwrap();
        assert_eq!(early[1].days_left, 4);
        assert!(!early[1].is_overdue());

        // A bridge day added to the calendar moves the business-day deadlines of pending
        // requests, and only those.
        let moved = inv
            .set_holidays(&HolidayCalendar::argentina(2025..=2025).unwrap().with([day(2025, 7, 10)]))
            .await
            .unwrap();
        assert_eq!(moved, [erasure.id]);
        let erasure = inv.privacy_request(erasure.id).await.unwrap().unwrap();
        assert_eq!(erasure.due_on, day(2025, 7, 15));
        // The same calendar again changes nothing and writes nothing.
        let count = audit_count(&s).await;
        assert!(inv
            .set_holidays(&HolidayCalendar::argentina(2025..=2025).unwrap().with([day(2025, 7, 10)]))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(audit_count(&s).await, count);
        assert_eq!(inv.holidays().await.unwrap().len(), 13);
    }

    #[tokio::test]
    async fn bad_requests_and_refusals_are_typed_errors_that_change_nothing() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let count = audit_count(&s).await;
        let tomorrow = inv.today() + TimeDelta::days(1);
        let e = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Access, tomorrow,
            ))
            .await
            .unwrap_err();
        assert_eq!(privacy(&e).kind(), "ReceivedInFuture");
        let e = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Supplier, 999, RequestKind::Access, inv.today(),
            ))
            .await
            .unwrap_err();
        assert!(e.rule().is_some(), "{e:?}");
        assert_eq!(audit_count(&s).await, count);

        let request = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Rectification, inv.today(),
            ))
            .await
            .unwrap();
        let count = audit_count(&s).await;
        let e = inv
            .refuse_privacy_request(request.id, RefusalReason::LegalHold)
            .await
            .unwrap_err();
        assert_eq!(privacy(&e), &PrivacyError::AutomaticReason("legal_hold"));
        let e = inv
            .refuse_privacy_request(4242, RefusalReason::IdentityNotVerified)
            .await
            .unwrap_err();
        assert_eq!(privacy(&e), &PrivacyError::RequestNotFound(4242));
        assert_eq!(audit_count(&s).await, count);

        let refused = inv
            .refuse_privacy_request(request.id, RefusalReason::IdentityNotVerified)
            .await
            .unwrap();
        assert_eq!(refused.status, RequestStatus::Refused);
        assert_eq!(refused.refusal, Some(RefusalReason::IdentityNotVerified));
        assert!(refused.closed_at.is_some());
        assert_eq!(inv.privacy_request(request.id).await.unwrap().unwrap(), refused);
        let last = last_event(inv).await;
        assert_eq!(last.event_type, EventType::PrivacyRequest);
        assert_eq!(last.detail["refusal"], "identity_not_verified");
        let e = inv
            .refuse_privacy_request(request.id, RefusalReason::ManifestlyUnfounded)
            .await
            .unwrap_err();
        assert_eq!(privacy(&e), &PrivacyError::RequestClosed(request.id));
        assert!(inv.pending_privacy_requests(inv.today()).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_export_holds_everything_is_audited_first_and_answers_the_access_request() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let shop = location(inv, "LOCAL").await;
        // A name that a spreadsheet would run, and a sale that names the customer's code.
        let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
        let c = inv.create_customer(new_customer("C001", formula)).await.unwrap().id;
        let p = p10(inv, "P10", shop.id).await;
        inv.record(MovementRequest::receipt(p.id, shop.id, q("5"), cost("100")))
            .await
            .unwrap();
        inv.record(MovementRequest::sale(p.id, shop.id, q("2")).reference("C001"))
            .await
            .unwrap();
        inv.customer_identity(c).await.unwrap();
        let request = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Access, inv.today(),
            ))
            .await
            .unwrap();

        let export = inv.export_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert!(!export.is_erased());
        assert_eq!(export.personal("names"), Some(formula));
        assert_eq!(export.personal("email"), Some(EMAIL));
        assert_eq!(export.personal("document"), Some(DNI));
        assert_eq!(export.personal("document_type"), Some("dni"));
        assert!(!format!("{export:?}").contains("Mariela"), "Debug redacts");
        let movement = export
            .references
            .iter()
            .find(|r| r.kind == "movement")
            .expect("the sale that names the customer's code");
        assert!(movement.fields.contains(&("kind".to_owned(), "sale".to_owned())));
        // The audit records about them: created, read; redacted (no value MACs, no actor).
        let types: Vec<&str> = export.audit_events.iter().map(|e| e.event_type.as_str()).collect();
        assert!(types.starts_with(&["SENSITIVE_DATA_MODIFY", "ENCRYPTED_DATA_DECRYPT"]), "{types:?}");
        assert!(types.contains(&"PRIVACY_REQUEST"));
        let created = &export.audit_events[0].detail;
        assert!(created.get("values").is_none());
        assert_eq!(created["fields_written"].as_array().unwrap().len(), 6);
        // The request it answered, closed in the same transaction as the ACCESS_REQUEST record.
        assert_eq!(export.requests[0].status, RequestStatus::Completed);
        let closed = inv.privacy_request(request.id).await.unwrap().unwrap();
        assert_eq!(closed.status, RequestStatus::Completed);
        let last = last_event(inv).await;
        assert_eq!(last.event_type, EventType::AccessRequest);
        assert_eq!(last.target, Target::new("customers", c.0.to_string()));
        assert_eq!(last.detail["request_ids"], serde_json::json!([request.id]));
        assert!(!last.detail.to_string().contains("Mariela"));

        // JSON round-trips; CSV neutralises the formula and parses back.
        let json: serde_json::Value = serde_json::from_str(&export.to_json()).unwrap();
        assert_eq!(json["format"], "inventario-subject-export/1");
        assert_eq!(json["personal_data"]["names"], formula);
        assert_eq!(json["erased"], false);
        let csv = export.to_csv();
        assert!(csv.starts_with("\"section\",\"item\",\"field\",\"value\",\"status\"\r\n"));
        let neutralised = format!("\"personal_data\",\"\",\"names\",\"'{}\",\"present\"\r\n", formula.replace('"', "\"\""));
        assert!(csv.contains(&neutralised), "{csv}");
        assert!(csv.contains("\"personal_data\",\"\",\"phone\",\"'+54 9 261 555-0199\",\"present\""));

        // Unknown subjects are a rule error, and nothing is recorded.
        let count = audit_count(&s).await;
        let e = inv.export_subject(SubjectKind::Customer, 999).await.unwrap_err();
        assert!(e.rule().is_some());
        assert_eq!(audit_count(&s).await, count);
    }

    #[tokio::test]
    async fn rectification_reseals_under_the_subject_key_and_keeps_the_blind_indexes_right() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let request = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Rectification, inv.today(),
            ))
            .await
            .unwrap();
        let new_email = "mariela.q@nuevo.example";
        let changes = SubjectChanges::new()
            .set("email", new_email)
            .set("document_type", "cuil")
            .set("document", "27-29876543-3")
            .clear("phone");
        let receipt = inv
            .rectify(SubjectKind::Customer, c.0, &changes, "ticket 1234")
            .await
            .unwrap();
        assert_eq!(receipt.fields_written, ["document", "email"]);
        assert_eq!(receipt.fields_cleared, ["phone"]);
        assert_eq!(receipt.blind_indexes_updated, ["document", "email"]);
        assert_eq!(receipt.requests_closed, [request.id]);

        let identity = inv.customer_identity(c).await.unwrap().unwrap();
        assert_eq!(identity.email.as_deref(), Some(new_email));
        assert_eq!(identity.phone, None);
        assert_eq!(identity.names, NAMES);
        let cuil = Cuit::parse("27-29876543-3").unwrap();
        assert!(matches!(identity.document, Some(IdentityDocument::Cuil(ref d)) if *d == cuil));
        // The indexes follow: the new values find them, the old ones do not.
        assert_eq!(inv.find_customer_by_email(" MARIELA.Q@nuevo.example ").await.unwrap().len(), 1);
        assert!(inv.find_customer_by_email(EMAIL).await.unwrap().is_empty());
        assert_eq!(
            inv.find_customer_by_document(&IdentityDocument::Cuil(cuil)).await.unwrap().len(),
            1
        );
        assert!(inv
            .find_customer_by_document(&IdentityDocument::Dni(Dni::parse(DNI).unwrap()))
            .await
            .unwrap()
            .is_empty());
        // Sealed under the customer's own key, never in clear; the record carries MACs only.
        let raw = s.raw().await;
        let row = sqlx::query("SELECT email, phone FROM customers WHERE id = $1")
            .bind(c.0)
            .fetch_one(&raw)
            .await
            .unwrap();
        let email: Vec<u8> = row.try_get("email").unwrap();
        assert!(row.try_get::<Option<Vec<u8>>, _>("phone").unwrap().is_none());
        let key = parse_header(&email).unwrap().key_id;
        let scope: String = sqlx::query_scalar("SELECT scope FROM crypto_keys WHERE key_id = $1")
            .bind(i64::from(key))
            .fetch_one(&raw)
            .await
            .unwrap();
        assert_eq!(scope, format!("customer:{}", c.0));
        raw.close().await;
        assert!(!contains(&stored_bytes(&s).await, new_email));
        let events = inv.audit_events_after(0, 1000).await.unwrap();
        let modify = events
            .iter()
            .rev()
            .find(|e| e.event_type == EventType::SensitiveDataModify)
            .unwrap();
        assert_eq!(modify.detail["action"], "rectify");
        assert_eq!(modify.detail["reason"], "ticket 1234");
        assert_eq!(modify.detail["cleared"], serde_json::json!(["phone"]));
        assert_eq!(modify.key_id, Some(key));
        let mac = modify.detail["values"]["email"].as_str().unwrap();
        assert_eq!(mac.len(), 32);
        assert!(!modify.detail.to_string().contains("nuevo"));
    }

    #[tokio::test]
    async fn a_refused_rectification_changes_nothing() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let count = audit_count(&s).await;
        let cases: Vec<(SubjectChanges, &str, &str)> = vec![
            (SubjectChanges::new().set("salary", "1"), "ok", "UnknownField"),
            (SubjectChanges::new().clear("names"), "ok", "RequiredField"),
            (SubjectChanges::new(), "ok", "NoChanges"),
            (SubjectChanges::new().set("document_type", "dni"), "ok", "DocumentTypeWithoutDocument"),
            (SubjectChanges::new().set("email", "ana@example.com"), "fix ana@example.com", "InvalidReason"),
            (SubjectChanges::new().set("email", "ana@example.com"), "", "InvalidReason"),
        ];
        for (changes, reason, kind) in cases {
            let e = inv.rectify(SubjectKind::Customer, c.0, &changes, reason).await.unwrap_err();
            assert_eq!(privacy(&e).kind(), kind, "{e}");
            assert!(!e.to_string().contains("ana@"), "{e}");
        }
        // A document that does not parse is its value rule, with the whole change undone.
        let e = inv
            .rectify(
                SubjectKind::Customer,
                c.0,
                &SubjectChanges::new().set("email", "ana@example.com").set("document", "12"),
                "ticket 9",
            )
            .await
            .unwrap_err();
        assert!(e.rule().is_some(), "{e:?}");
        assert_eq!(audit_count(&s).await, count);
        assert_eq!(inv.customer_identity(c).await.unwrap().unwrap().email.as_deref(), Some(EMAIL));

        inv.erase_subject(SubjectKind::Customer, c.0).await.unwrap();
        let count = audit_count(&s).await;
        let e = inv
            .rectify(SubjectKind::Customer, c.0, &SubjectChanges::new().set("email", "x@y.z"), "t")
            .await
            .unwrap_err();
        assert_eq!(privacy(&e), &PrivacyError::SubjectErased { kind: "customer", id: c.0 });
        assert_eq!(audit_count(&s).await, count);
    }

    #[tokio::test]
    async fn unknown_subjects_types_and_oversized_calendars_are_refused_and_change_nothing() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let count = audit_count(&s).await;
        let changes = SubjectChanges::new().set("email", "x@y.z");
        for kind in [SubjectKind::Customer, SubjectKind::Supplier] {
            let e = inv.rectify(kind, 999, &changes, "ticket 1").await.unwrap_err();
            assert!(e.rule().is_some(), "{e:?}");
            let e = inv.erase_subject(kind, 999).await.unwrap_err();
            assert!(e.rule().is_some(), "{e:?}");
        }
        let unknown_type = SubjectChanges::new()
            .set("document_type", "rut")
            .set("document", "30123456");
        let e = inv
            .rectify(SubjectKind::Customer, c.0, &unknown_type, "ticket 2")
            .await
            .unwrap_err();
        assert!(!e.to_string().contains("30123456"), "{e}");
        let too_many = HolidayCalendar::default().with(
            (0..=HolidayCalendar::MAX_DAYS as i64)
                .map(|n| day(2000, 1, 1) + TimeDelta::days(n)),
        );
        let e = inv.set_holidays(&too_many).await.unwrap_err();
        assert_eq!(privacy(&e).kind(), "TooManyHolidays");
        assert!(inv.holidays().await.unwrap().days().next().is_none());
        assert_eq!(audit_count(&s).await, count);
        assert_eq!(inv.customer_identity(c).await.unwrap().unwrap().email.as_deref(), Some(EMAIL));
    }

    #[tokio::test]
    async fn an_erasure_destroys_everything_and_the_export_shows_it_erased_with_no_pii() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let request = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Erasure, inv.today(),
            ))
            .await
            .unwrap();
        let receipt = inv.erase_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert_eq!(receipt.refusal, None);
        assert!(receipt.kept_fields.is_empty());
        assert_eq!(receipt.unreadable_fields.len(), 6);
        assert_eq!(receipt.requests_closed, [request.id]);
        let closed = inv.privacy_request(request.id).await.unwrap().unwrap();
        assert_eq!(closed.status, RequestStatus::Completed);
        assert_eq!(closed.outcome.as_ref().unwrap()["destroyed_keys"], serde_json::json!(receipt.destroyed_keys));

        let export = inv.export_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert!(export.is_erased());
        assert!(export.fiscal_part.is_none());
        for field in &export.personal_data {
            if field.field == "document_type" {
                continue;
            }
            assert_eq!(field.value, ExportedValue::Erased, "{}", field.field);
        }
        let json = export.to_json();
        let csv = export.to_csv();
        for value in [NAMES, SURNAME, DNI, EMAIL, PHONE, ADDRESS] {
            assert!(!json.contains(value), "{value} in the JSON export");
            assert!(!csv.contains(value), "{value} in the CSV export");
        }
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["erased"], true);
        assert_eq!(parsed["erased_fields"].as_array().unwrap().len(), 6);
        assert!(csv.contains("\"personal_data\",\"\",\"email\",\"\",\"erased\""));
        // The raw store holds none of it in clear, anywhere.
        let bytes = stored_bytes(&s).await;
        for value in [NAMES, SURNAME, DNI, EMAIL, PHONE, ADDRESS] {
            assert!(!contains(&bytes, value), "{value} stored in clear");
        }
    }

    #[tokio::test]
    async fn a_legal_hold_keeps_the_fiscal_part_in_its_own_scope_until_it_is_lifted() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let c = customer(inv).await;
        let other = inv.create_customer(new_customer("C002", "Otra Persona")).await.unwrap().id;
        let hold = inv
            .place_legal_hold(Target::new("customers", c.0.to_string()), "AFIP inspection 2025")
            .await
            .unwrap();
        let request = inv
            .record_privacy_request(&NewPrivacyRequest::new(
                SubjectKind::Customer, c.0, RequestKind::Erasure, inv.today(),
            ))
            .await
            .unwrap();
        let receipt = inv.erase_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert_eq!(receipt.refusal, Some(RefusalReason::LegalHold));
        assert_eq!(receipt.holds, [hold.id]);
        assert_eq!(receipt.kept_scope.as_deref(), Some(format!("fiscal:customer:{}", c.0).as_str()));
        assert_eq!(
            receipt.kept_fields,
            ["customers.names", "customers.surname", "customers.document", "customers.address"]
        );
        assert_eq!(receipt.unreadable_fields, ["customers.phone", "customers.email"]);
        assert_eq!(receipt.blind_indexes_removed, 2);
        let closed = inv.privacy_request(request.id).await.unwrap().unwrap();
        assert_eq!(closed.status, RequestStatus::PartiallyRefused);
        assert_eq!(closed.refusal, Some(RefusalReason::LegalHold));
        // The identity no longer opens as a whole (phone and email are gone) and cannot be
        // found by document or email.
        let e = inv.customer_identity(c).await.unwrap_err();
        assert!(matches!(e.crypto(), Some(CryptoError::KeyDestroyed(_))), "{e:?}");
        let found = inv.find_customer_by_email(EMAIL).await.unwrap();
        assert_eq!(found.iter().map(|f| f.id).collect::<Vec<_>>(), [other], "only the other one");

        let export = inv.export_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert_eq!(export.personal("names"), Some(NAMES));
        assert_eq!(export.personal("document"), Some(DNI));
        assert_eq!(export.personal("email"), None);
        let fiscal = export.fiscal_part.as_ref().unwrap();
        assert_eq!(fiscal.reason, Some(RefusalReason::LegalHold));
        assert_eq!(fiscal.fields, ["names", "surname", "document", "address"]);

        // Retention keeps it while the hold stands, and destroys it once it is lifted; the
        // other customer is untouched.
        let kept = inv.apply_retention(Utc::now()).await.unwrap();
        assert_eq!(kept.fiscal_parts_kept, 1);
        assert!(kept.fiscal_scopes_destroyed.is_empty());
        inv.lift_legal_hold(hold.id).await.unwrap();
        let run = inv.apply_retention(Utc::now()).await.unwrap();
        assert_eq!(run.fiscal_scopes_destroyed, [format!("fiscal:customer:{}", c.0)]);
        assert_eq!(run.destroyed_keys.len(), 1);
        assert!(run.event_seq.is_some());
        let export = inv.export_subject(SubjectKind::Customer, c.0).await.unwrap();
        assert_eq!(export.personal("names"), None);
        assert!(export.fiscal_part.is_none());
        assert_eq!(inv.customer_identity(other).await.unwrap().unwrap().names, "Otra Persona");
        assert!(inv.verify_audit(None).await.unwrap().is_intact());
    }

    #[tokio::test]
    async fn a_supplier_with_recent_orders_keeps_the_cuit_for_the_fiscal_period() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        let shop = location(inv, "LOCAL").await;
        let mut new_supplier = NewSupplier::new("PEREZ", "Juan Pérez");
        new_supplier.contact = Some(SupplierContact {
            cuit: Some(Cuit::parse("20-12345678-6").unwrap()),
            phone: Some("+54 11 4444-1111".into()),
            email: Some("juan@perez.example".into()),
            address: Some("Calle Falsa 123".into()),
        });
        let supplier = inv.create_supplier(new_supplier).await.unwrap();
        let p = p10(inv, "P10", shop.id).await;
        let order = inv
            .create_order(
                supplier.id,
                &[NewOrderLine { product: p.id, quantity: q("6"), expected_unit_cost: cost("100") }],
                None,
            )
            .await
            .unwrap();
        inv.send_order(order.id).await.unwrap();

        let receipt = inv.erase_subject(SubjectKind::Supplier, supplier.id.0).await.unwrap();
        assert_eq!(receipt.refusal, Some(RefusalReason::FiscalRetention));
        assert_eq!(receipt.kept_fields, ["suppliers.cuit", "suppliers.address"]);
        assert_eq!(receipt.unreadable_fields, ["suppliers.phone", "suppliers.email"]);
        assert!(inv.find_supplier_by_cuit(&Cuit::parse("20-12345678-6").unwrap()).await.unwrap().is_none());
        let export = inv.export_subject(SubjectKind::Supplier, supplier.id.0).await.unwrap();
        assert_eq!(export.personal("cuit"), Some("20-12345678-6"));
        assert!(export.references.iter().any(|r| r.kind == "purchase_order" && r.id == order.id.get()));

        // Nine years on it is still kept; past ten years since the order, retention destroys it.
        let in_nine_years = Utc::now() + TimeDelta::days(9 * 365);
        assert_eq!(inv.apply_retention(in_nine_years).await.unwrap().fiscal_parts_kept, 1);
        let in_eleven_years = Utc::now() + TimeDelta::days(11 * 366);
        let run = inv.apply_retention(in_eleven_years).await.unwrap();
        assert_eq!(run.fiscal_scopes_destroyed.len(), 1);
        let export = inv.export_subject(SubjectKind::Supplier, supplier.id.0).await.unwrap();
        assert_eq!(export.personal("cuit"), None);
        assert!(inv.verify_audit(None).await.unwrap().is_intact());
    }

    #[tokio::test]
    async fn retention_purges_only_the_prefix_every_category_allows_and_runs_twice_as_once() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        // Operational records, then an access record, then more operational ones.
        let shop = location(inv, "LOCAL").await;
        let p = p10(inv, "P10", shop.id).await;
        let c = customer(inv).await; // SENSITIVE_DATA_MODIFY: the access category
        inv.record(MovementRequest::receipt(p.id, shop.id, q("5"), cost("100"))).await.unwrap();
        let before = audit_count(&s).await;
        let access_seq = inv
            .audit_events_after(0, 1000)
            .await
            .unwrap()
            .iter()
            .find(|e| e.event_type == EventType::SensitiveDataModify)
            .unwrap()
            .seq;

        // 100 days on: operational records are past 90 days, the access record is not.
        let report = inv.apply_retention(Utc::now() + TimeDelta::days(100)).await.unwrap();
        assert_eq!(report.audit_purged, access_seq - 1);
        assert_eq!(report.audit_stopped_by, Some(PurgeStop::Retention(inventario_core::domain::privacy::AuditCategory::Access)));
        assert!(report.event_seq.is_some());
        assert!(inv.verify_audit(None).await.unwrap().is_intact());
        let after = audit_count(&s).await;
        assert_eq!(after, before - (access_seq as i64 - 1) + 1);
        // Run twice: the second run changes nothing and writes nothing.
        let again = inv.apply_retention(Utc::now() + TimeDelta::days(100)).await.unwrap();
        assert_eq!((again.audit_purged, again.event_seq), (0, None));
        assert_eq!(audit_count(&s).await, after);

        // A hold on the customer keeps their records, and everything after them.
        let hold = inv
            .place_legal_hold(Target::new("customers", c.0.to_string()), "lawsuit 77")
            .await
            .unwrap();
        let held = inv.apply_retention(Utc::now() + TimeDelta::days(400)).await.unwrap();
        assert_eq!(held.audit_stopped_by, Some(PurgeStop::LegalHold));
        assert_eq!(held.audit_purged, 0);
        assert_eq!(held.event_seq, None);
        inv.lift_legal_hold(hold.id).await.unwrap();

        // 400 days on, with the hold lifted, everything goes but the run's own record, and a
        // second run does nothing.
        let all = inv.apply_retention(Utc::now() + TimeDelta::days(400)).await.unwrap();
        assert!(all.audit_purged > 0);
        assert_eq!(audit_count(&s).await, 1);
        let verify = inv.verify_audit(None).await.unwrap();
        assert!(verify.is_intact(), "{verify:?}");
        let again = inv.apply_retention(Utc::now() + TimeDelta::days(400)).await.unwrap();
        assert_eq!((again.audit_purged, again.event_seq), (0, None));
        assert_eq!(audit_count(&s).await, 1);
        let purge = last_event(inv).await;
        assert_eq!(purge.event_type, EventType::RetentionPurge);
        assert_eq!(purge.detail["action"], "apply_retention");
    }

    #[tokio::test]
    async fn the_retention_policy_is_one_configurable_row() {
        let s = TestStore::new().await;
        let inv = &s.inv;
        assert_eq!(inv.retention_policy().await.unwrap(), RetentionPolicy::default());
        let policy = RetentionPolicy { operational_audit_days: 30, ..RetentionPolicy::default() };
        inv.set_retention_policy(policy).await.unwrap();
        assert_eq!(inv.retention_policy().await.unwrap(), policy);
        let count = audit_count(&s).await;
        inv.set_retention_policy(policy).await.unwrap();
        assert_eq!(audit_count(&s).await, count, "the same policy writes nothing");
        let e = inv
            .set_retention_policy(RetentionPolicy { fiscal_years: 0, ..policy })
            .await
            .unwrap_err();
        assert_eq!(privacy(&e).kind(), "InvalidPolicy");
        assert_eq!(inv.retention_policy().await.unwrap(), policy);
        let last = last_event(inv).await;
        assert_eq!(last.event_type, EventType::PrivacyRequest);
        assert_eq!(last.detail["policy"]["operational_audit_days"], 30);
        // A second handle (another process) sees the same policy.
        let other = Inventory::open(&s.url, test_key(), "other").await.unwrap();
        assert_eq!(other.retention_policy().await.unwrap(), policy);
    }

    #[tokio::test]
    async fn old_backups_are_pruned_but_the_newest_and_held_ones_stay() {
        if backend() == Backend::Postgres {
            return; // PostgreSQL stores are backed up with pg_dump (D35).
        }
        let s = TestStore::new().await;
        let inv = &s.inv;
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.ibk", "b.ibk", "c.ibk"] {
            inv.backup(&dir.path().join(name)).await.unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "not a backup").unwrap();
        inv.place_legal_hold(Target::new("backups", "a.ibk"), "keep for the audit")
            .await
            .unwrap();

        // Within 30 days nothing goes.
        let report = inv.prune_backups(dir.path(), Utc::now()).await.unwrap();
        assert!(report.removed.is_empty());
        assert_eq!(report.kept.len(), 3);
        assert_eq!(report.event_seq, None);

        let later = Utc::now() + TimeDelta::days(40);
        let report = inv.prune_backups(dir.path(), later).await.unwrap();
        let names = |paths: &[std::path::PathBuf]| -> Vec<String> {
            paths.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
        };
        assert_eq!(names(&report.removed), ["b.ibk"]);
        assert_eq!(names(&report.held), ["a.ibk"]);
        assert_eq!(names(&report.kept), ["c.ibk"], "the newest backup is always kept");
        assert_eq!(names(&report.skipped), ["notes.txt"]);
        assert!(!dir.path().join("b.ibk").exists());
        let last = last_event(inv).await;
        assert_eq!(last.event_type, EventType::RetentionPurge);
        assert_eq!(last.detail["removed"], serde_json::json!(["b.ibk"]));
        // Again: nothing left to remove, nothing written.
        let count = audit_count(&s).await;
        let again = inv.prune_backups(dir.path(), later).await.unwrap();
        assert!(again.removed.is_empty());
        assert_eq!(audit_count(&s).await, count);
        // A directory that does not exist is a typed error.
        let e = inv.prune_backups(&dir.path().join("missing"), later).await.unwrap_err();
        assert_eq!(privacy(&e).kind(), "BackupDirectory");
    }
}

/// An in-memory store has a single connection: every privacy call must finish its reads before
/// it writes, and never hold one connection while asking the pool for another.
#[tokio::test]
async fn every_privacy_call_works_on_a_single_connection_store() {
    let inv = Inventory::open("sqlite::memory:", test_key(), "tester")
        .await
        .unwrap();
    let c = customer(&inv).await;
    inv.place_legal_hold(Target::new("customers", c.0.to_string()), "AFIP")
        .await
        .unwrap();
    inv.record_privacy_request(&NewPrivacyRequest::new(
        SubjectKind::Customer,
        c.0,
        RequestKind::Access,
        inv.today(),
    ))
    .await
    .unwrap();
    let rectified = inv
        .rectify(
            SubjectKind::Customer,
            c.0,
            &SubjectChanges::new().set("phone", "1"),
            "t",
        )
        .await
        .unwrap();
    assert_eq!(rectified.fields_written, ["phone"]);
    inv.erase_subject(SubjectKind::Customer, c.0).await.unwrap();
    let export = inv
        .export_subject(SubjectKind::Customer, c.0)
        .await
        .unwrap();
    assert!(export.fiscal_part.is_some());
    assert_eq!(export.requests[0].status, RequestStatus::Completed);
    inv.set_holidays(&HolidayCalendar::argentina(2025..=2026).unwrap())
        .await
        .unwrap();
    inv.set_retention_policy(RetentionPolicy::default())
        .await
        .unwrap();
    inv.apply_retention(Utc::now() + TimeDelta::days(400))
        .await
        .unwrap();
    assert!(inv
        .pending_privacy_requests(inv.today())
        .await
        .unwrap()
        .is_empty());
    let dir = tempfile::tempdir().unwrap();
    inv.prune_backups(dir.path(), Utc::now()).await.unwrap();
}
