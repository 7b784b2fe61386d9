//! `docs/openapi.yaml` against the types: for every body type, the schema of the same name must
//! list exactly the fields the type writes, require exactly the fields it always writes, and
//! give each field the JSON type the type produces; every request and response body in the
//! paths must be one of these named schemas. A field added, renamed or made optional on one side
//! only fails here.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use coffer_api::*;
use coffer_core::policy::{ExportKind, Plan, Role};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn doc() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
    let yaml: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap())
        .expect("docs/openapi.yaml is YAML");
    serde_json::to_value(yaml).unwrap()
}

fn member() -> Member {
    Member {
        id: "m1".into(),
        name: "alice".into(),
        role: Role::Admin,
    }
}

/// (schema name, a value with every optional field set, one with every optional field unset).
fn samples() -> Vec<(&'static str, Value, Value)> {
    let both = |name, v: Value| (name, v.clone(), v);
    let entry = |some: bool| AuditEntry {
        seq: 1,
        at_micros: 1,
        actor_id: some.then(|| "m1".into()),
        actor_name: some.then(|| "alice".into()),
        action: "policy.set".into(),
        detail: json!({}).to_string(),
        prev_hash: "00".repeat(32),
        hash: "ab".repeat(32),
        signature: "cd".repeat(64),
    };
    let report = |some: bool| ExportReport {
        format: ExportKind::Encrypted,
        secret_count: 3,
        policy_revision: some.then_some(2),
        vault_changes: some.then_some(42),
        vault_anchor: some.then(|| "ab".repeat(32)),
    };
    let head = || AuditHead {
        seq: 1,
        hash: "ab".repeat(32),
    };
    let v = |x: &dyn erased::Ser| x.value();
    vec![
        both(
            "Health",
            v(&Health {
                status: "ok".into(),
            }),
        ),
        both(
            "ServerKey",
            v(&ServerKey {
                public_key: "AAAA".into(),
                fingerprint: "SHA256:x".into(),
                algorithm: "ed25519".into(),
            }),
        ),
        both("Member", v(&member())),
        both(
            "Team",
            v(&Team {
                id: "t1".into(),
                name: "Acme".into(),
                plan: Plan::Team,
            }),
        ),
        both(
            "Me",
            v(&Me {
                member: member(),
                team: Team {
                    id: "t1".into(),
                    name: "Acme".into(),
                    plan: Plan::Free,
                },
            }),
        ),
        both(
            "ExportSetting",
            v(&ExportSetting {
                enabled: true,
                formats: vec![ExportKind::Encrypted, ExportKind::Plaintext],
            }),
        ),
        both(
            "SetPolicyRequest",
            v(&SetPolicyRequest {
                export: ExportSetting {
                    enabled: false,
                    formats: vec![],
                },
            }),
        ),
        both(
            "MemberList",
            v(&MemberList {
                members: vec![member()],
            }),
        ),
        both(
            "InviteRequest",
            v(&InviteRequest {
                name: "bob".into(),
                role: Role::Member,
            }),
        ),
        both(
            "Invitation",
            v(&Invitation {
                member: member(),
                token: ApiToken::from("cft_x_y"),
            }),
        ),
        ("ExportReport", v(&report(true)), v(&report(false))),
        ("AuditEntry", v(&entry(true)), v(&entry(false))),
        (
            "AuditLog",
            v(&AuditLog {
                entries: vec![entry(true)],
                head: head(),
                next: Some(1),
            }),
            v(&AuditLog {
                entries: vec![],
                head: head(),
                next: None,
            }),
        ),
        both("AuditHead", v(&head())),
        both(
            "Error",
            v(&Error {
                error: ErrorDetail {
                    code: "not_found".into(),
                    message: "no such endpoint".into(),
                },
            }),
        ),
        both(
            "ErrorDetail",
            v(&ErrorDetail {
                code: "plan".into(),
                message: "m".into(),
            }),
        ),
        both(
            "SignedPolicy",
            v(&SignedPolicy {
                payload: "e30=".into(),
                signature: "AAAA".into(),
            }),
        ),
    ]
}

/// Serialising through a trait object, so one list can hold every type.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` fits `schema` as far as this check goes: `$ref`, `const`, `enum`, `type`.
fn fits(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{r} does not exist"));
        }
        return fits(doc, target, value);
    }
    if !schema["const"].is_null() && schema["const"] != *value {
        return Err(format!("{value} is not the const {}", schema["const"]));
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        return Err(format!("{value} is not in the enum {options:?}"));
    }
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !allowed.is_empty() && !allowed.contains(&json_type(value)) {
        return Err(format!("{value} is not of type {allowed:?}"));
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for v in values {
            fits(doc, items, v)?;
        }
    }
    Ok(())
}

#[test]
fn every_body_type_matches_its_schema() {
    let doc = doc();
    for (name, full, min) in samples() {
        let schema = &doc["components"]["schemas"][name];
        assert!(schema.is_object(), "docs/openapi.yaml has no schema {name}");
        assert_eq!(
            schema["additionalProperties"],
            Value::Bool(false),
            "{name}: additionalProperties: false (the types refuse unknown fields)"
        );
        let props = &schema["properties"];
        assert_eq!(
            keys(props),
            keys(&full),
            "{name}: properties vs the type's fields"
        );
        let required: BTreeSet<String> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let always: BTreeSet<String> = min
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k.clone())
            .collect();
        let nullable_required: BTreeSet<String> = required.difference(&always).cloned().collect();
        for k in &nullable_required {
            assert!(
                fits(&doc, &props[k], &Value::Null).is_ok(),
                "{name}.{k}: required but the type may leave it out, and the schema does not allow null"
            );
        }
        assert!(
            always.is_subset(&required),
            "{name}: fields always written must be required: {always:?} vs {required:?}"
        );
        for (sample, what) in [(&full, "set"), (&min, "unset")] {
            for (k, v) in sample.as_object().unwrap() {
                fits(&doc, &props[k], v).unwrap_or_else(|e| panic!("{name}.{k} ({what}): {e}"));
            }
        }
    }
}

#[test]
fn every_enum_variant_is_documented() {
    let doc = doc();
    let s = &doc["components"]["schemas"];
    for r in [Role::SuperAdmin, Role::Admin, Role::Member] {
        fits(&doc, &s["Role"], &serde_json::to_value(r).unwrap()).unwrap();
    }
    for p in [Plan::Free, Plan::Team, Plan::Enterprise] {
        fits(&doc, &s["Plan"], &serde_json::to_value(p).unwrap()).unwrap();
    }
    for k in [ExportKind::Encrypted, ExportKind::Plaintext] {
        let v = serde_json::to_value(k).unwrap();
        fits(&doc, &s["ExportReport"]["properties"]["format"], &v).unwrap();
        fits(
            &doc,
            &s["ExportSetting"]["properties"]["formats"]["items"],
            &v,
        )
        .unwrap();
    }
}

#[test]
fn every_body_in_the_paths_is_a_named_schema() {
    let doc = doc();
    let named: BTreeSet<&str> = samples().iter().map(|(n, _, _)| *n).collect();
    let mut seen = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let mut bodies = vec![("request", &op["requestBody"]["content"])];
            for (status, resp) in op["responses"].as_object().unwrap() {
                let _ = status;
                bodies.push(("response", &resp["content"]));
            }
            for (what, content) in bodies {
                let schema = &content["application/json"]["schema"];
                if schema.is_null() {
                    continue;
                }
                let r = schema["$ref"].as_str().unwrap_or_else(|| {
                    panic!("{method} {path}: the {what} body is inline; name it and give it a type in coffer-api")
                });
                let name = r.trim_start_matches("#/components/schemas/");
                assert!(
                    named.contains(name),
                    "{method} {path}: {name} has no type here"
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 12, "the walk saw the bodies ({seen})");
}
