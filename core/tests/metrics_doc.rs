//! `docs/METRICS.md` against the registry, and the rendered text against a small parser of the
//! OpenMetrics text format.
//!
//! - Every metric an alert rule's `expr:` names is one `PrometheusSink::new()` registers.
//! - The table lists every registered metric.
//! - One sample of every metric, rendered, parses line by line and reads back as recorded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use inventario_core::metrics::{
    AuditEventLabel, AuditStatusLabel, Backend, CounterMetric, CryptoOp, CryptoResult, GaugeMetric,
    HistogramMetric, Metrics, MovementKindLabel, OpResult, PrometheusSink,
};

fn metrics_md() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/METRICS.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bodies of every ```yaml fenced block.
fn yaml_blocks(markdown: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match current.take() {
            None if fence.starts_with("```yaml") || fence.starts_with("```yml") => {
                current = Some(Vec::new());
            }
            None => {}
            Some(block) if fence.starts_with("```") => blocks.push(block),
            Some(mut block) => {
                block.push(line);
                current = Some(block);
            }
        }
    }
    assert!(current.is_none(), "unterminated yaml block");
    blocks
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Every `expr:` value of a YAML block, block scalars (`expr: |`, `expr: >-`) included.
fn exprs(block: &[&str]) -> Vec<String> {
    let mut exprs = Vec::new();
    let mut i = 0;
    while i < block.len() {
        let line = block[i];
        let trimmed = line.trim_start().trim_start_matches("- ");
        i += 1;
        let Some(value) = trimmed.strip_prefix("expr:") else {
            continue;
        };
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            let mut body = Vec::new();
            while i < block.len() && (block[i].trim().is_empty() || indent(block[i]) > indent(line))
            {
                body.push(block[i].trim());
                i += 1;
            }
            exprs.push(body.join("\n"));
        } else {
            exprs.push(value.trim_matches(|c| c == '"' || c == '\'').to_owned());
        }
    }
    exprs
}

/// Every identifier starting with `inventario_`, histogram sample suffixes stripped.
fn metric_identifiers(expr: &str) -> BTreeSet<String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut found = BTreeSet::new();
    let mut rest = expr;
    while let Some(at) = rest.find("inventario_") {
        let preceded = rest[..at].chars().next_back().is_some_and(is_ident);
        let tail = &rest[at..];
        let end = tail.find(|c: char| !is_ident(c)).unwrap_or(tail.len());
        if !preceded {
            let ident = &tail[..end];
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| ident.strip_suffix(suffix))
                .unwrap_or(ident);
            found.insert(base.to_owned());
        }
        rest = &tail[end..];
    }
    found
}

/// The `# TYPE` name of an exposed metric: OpenMetrics drops a counter's `_total`.
fn type_line_name(name: &str) -> &str {
    if CounterMetric::ALL.iter().any(|c| c.name() == name) {
        name.strip_suffix("_total").unwrap_or(name)
    } else {
        name
    }
}

#[test]
fn alert_rules_use_only_registered_metrics() {
    let doc = metrics_md();
    let sink = PrometheusSink::new();
    let registered = sink.metric_names();
    let text = sink.render();

    let blocks = yaml_blocks(&doc);
    assert!(!blocks.is_empty(), "METRICS.md has no yaml block");
    let exprs: Vec<String> = blocks.iter().flat_map(|b| exprs(b)).collect();
    assert!(
        exprs.len() >= 6,
        "expected several alert rules, found {exprs:?}"
    );

    let mut used = BTreeSet::new();
    for expr in &exprs {
        let names = metric_identifiers(expr);
        assert!(!names.is_empty(), "expr uses no inventario_ metric: {expr}");
        for name in names {
            assert!(
                registered.contains(&name.as_str()),
                "{name} (in `{expr}`) is not registered"
            );
            let type_line = format!("# TYPE {} ", type_line_name(&name));
            assert!(
                text.contains(&type_line),
                "`{type_line}` not in the rendered text"
            );
            used.insert(name);
        }
    }
    // The multi-line expressions were read: the histogram rule is one of them.
    assert!(
        used.contains("inventario_stock_movement_seconds"),
        "{used:?}"
    );
    assert!(used.contains("inventario_audit_append_seconds"), "{used:?}");
}

#[test]
fn the_table_lists_every_registered_metric() {
    let doc = metrics_md();
    let rows: BTreeSet<&str> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let registered: BTreeSet<&str> = PrometheusSink::new().metric_names().into_iter().collect();
    assert_eq!(registered.len(), 13);
    assert_eq!(rows, registered, "the table and the registry disagree");
}

#[test]
fn the_identifier_extraction_reads_what_it_should() {
    let names = metric_identifiers(
        "histogram_quantile(0.9, rate(inventario_a_seconds_bucket[5m])) / x_inventario_no + inventario_b_total{a=\"b\"}",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["inventario_a_seconds", "inventario_b_total"]
    );
    let block = [
        "- alert: A",
        "  expr: |",
        "    a +",
        "    b",
        "  for: 5m",
        "- expr: 'c'",
    ];
    assert_eq!(exprs(&block), ["a +\nb", "c"]);
}

/// A counter sample the test expects: name, labels, value.
type Expected = (&'static str, &'static [(&'static str, &'static str)], f64);

/// One sample line: `name{label="value",…} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse_name(s: &str) -> Result<(&str, &str), String> {
    let end = s
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit()))
        })
        .map_or(s.len(), |(i, _)| i);
    if end == 0 {
        return Err(format!("no name at `{s}`"));
    }
    Ok(s.split_at(end))
}

fn parse_labels(mut s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let Some(inner) = s.strip_prefix('{') else {
        return Ok((labels, s));
    };
    s = inner;
    loop {
        if let Some(rest) = s.strip_prefix('}') {
            return Ok((labels, rest));
        }
        let (name, rest) = parse_name(s)?;
        let mut chars = rest
            .strip_prefix("=\"")
            .ok_or(format!("expected =\" at `{rest}`"))?
            .chars();
        let mut value = String::new();
        loop {
            match chars.next() {
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('"') => value.push('"'),
                    Some('\\') => value.push('\\'),
                    Some('n') => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some('\n') | None => return Err("unterminated label value".to_owned()),
                Some(c) => value.push(c),
            }
        }
        if labels.insert(name.to_owned(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        s = chars.as_str();
        s = s.strip_prefix(',').unwrap_or(s);
    }
}

fn parse_value(s: &str) -> Result<f64, String> {
    match s {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => s.parse().map_err(|e| format!("bad value `{s}`: {e}")),
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let (name, rest) = parse_name(line)?;
    let (labels, rest) = parse_labels(rest)?;
    let value = rest
        .strip_prefix(' ')
        .ok_or(format!("expected a space at `{rest}`"))?;
    if value.contains(' ') {
        return Err(format!("unexpected timestamp or exemplar in `{line}`"));
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value: parse_value(value)?,
    })
}

fn parse_exposition(text: &str) -> Vec<Sample> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.last(),
        Some(&"# EOF"),
        "the exposition ends with # EOF"
    );
    let mut samples = Vec::new();
    for line in &lines {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") || *line == "# EOF" {
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line `{line}`"
        );
        samples.push(parse_sample(line).unwrap_or_else(|e| panic!("`{line}`: {e}")));
    }
    samples
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The value of the one sample with this name and these labels.
fn value(samples: &[Sample], name: &str, pairs: &[(&str, &str)]) -> f64 {
    let want = labels(pairs);
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name && s.labels == want)
        .collect();
    assert_eq!(found.len(), 1, "{name}{want:?}: {found:?}");
    found[0].value
}

/// Checks a histogram with one observation of `seconds`: count, sum and cumulative buckets.
fn assert_one_observation(samples: &[Sample], family: &str, pairs: &[(&str, &str)], seconds: f64) {
    assert_eq!(value(samples, &format!("{family}_count"), pairs), 1.0);
    assert!((value(samples, &format!("{family}_sum"), pairs) - seconds).abs() < 1e-12);
    let want = labels(pairs);
    let buckets: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.name == format!("{family}_bucket"))
        .filter(|s| want.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
        .map(|s| (parse_value(&s.labels["le"]).unwrap(), s.value))
        .collect();
    assert!(buckets.len() > 20, "{family}: {} buckets", buckets.len());
    assert_eq!(buckets.last().map(|b| b.0), Some(f64::INFINITY));
    assert_eq!(buckets.first().map(|b| b.0), Some(1e-6));
    for (le, count) in buckets {
        assert_eq!(
            count,
            if seconds <= le { 1.0 } else { 0.0 },
            "{family} le={le}"
        );
    }
}

#[test]
fn one_sample_of_every_metric_renders_as_recorded() {
    let metrics = Metrics::with_prometheus();
    metrics.stock_movement(MovementKindLabel::Sale, OpResult::Refused, 0.0025);
    metrics.low_stock_products(7);
    metrics.encrypt(CryptoResult::Ok);
    metrics.decrypt(CryptoResult::Error, 3);
    metrics.crypto_op(CryptoOp::Kdf, 0.2);
    metrics.key_rotation_rewrapped(5);
    metrics.reencrypt_rows(500);
    metrics.audit_event(AuditEventLabel::DecryptFailed, AuditStatusLabel::Failed);
    metrics.audit_append(0.000_04);
    metrics.audit_dropped();
    metrics.audit_verify_failure();
    metrics.tx_retry(Backend::Postgres);

    let text = metrics.render_prometheus().expect("a registry is attached");
    let samples = parse_exposition(&text);

    // Every sample belongs to a registered family and carries exactly that family's labels,
    // with values from the closed vocabularies.
    for sample in &samples {
        let (names, extra): (&[&str], &[&str]) =
            if let Some(c) = CounterMetric::ALL.iter().find(|c| c.name() == sample.name) {
                (c.label_names(), &[])
            } else if let Some(g) = GaugeMetric::ALL.iter().find(|g| g.name() == sample.name) {
                (g.label_names(), &[])
            } else if let Some(h) = HistogramMetric::ALL.iter().find(|h| {
                sample
                    .name
                    .strip_prefix(h.name())
                    .is_some_and(|s| ["_bucket", "_sum", "_count"].contains(&s))
            }) {
                let le: &[&str] = if sample.name.ends_with("_bucket") {
                    &["le"]
                } else {
                    &[]
                };
                (h.label_names(), le)
            } else {
                panic!("{} is not a registered metric", sample.name);
            };
        let got: BTreeSet<&str> = sample.labels.keys().map(String::as_str).collect();
        let want: BTreeSet<&str> = names.iter().chain(extra).copied().collect();
        assert_eq!(got, want, "{sample:?}");
        assert!(
            sample.value.is_finite() && sample.value >= 0.0,
            "{sample:?}"
        );
        for (k, v) in &sample.labels {
            if k != "le" {
                assert!(
                    !v.is_empty() && v.chars().all(|c| c.is_ascii_alphabetic() || c == '_'),
                    "{sample:?}"
                );
            }
        }
    }

    let counters: [Expected; 9] = [
        (
            "inventario_stock_movements_total",
            &[("kind", "sale"), ("result", "refused")],
            1.0,
        ),
        ("inventario_encrypt_total", &[("result", "ok")], 1.0),
        ("inventario_decrypt_total", &[("result", "error")], 3.0),
        ("inventario_key_rotation_rewrapped_total", &[], 5.0),
        ("inventario_reencrypt_rows_total", &[], 500.0),
        (
            "inventario_audit_events_total",
            &[("event_type", "DECRYPT_FAILED"), ("status", "FAILED")],
            1.0,
        ),
        ("inventario_audit_dropped_total", &[], 1.0),
        ("inventario_audit_verify_failures_total", &[], 1.0),
        (
            "inventario_store_tx_retries_total",
            &[("backend", "postgres")],
            1.0,
        ),
    ];
    for (name, pairs, want) in counters {
        assert_eq!(value(&samples, name, pairs), want, "{name}{pairs:?}");
        // Every other series of the family is still at zero.
        let total: f64 = samples
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.value)
            .sum();
        assert_eq!(total, want, "{name}");
    }
    assert_eq!(value(&samples, "inventario_low_stock_products", &[]), 7.0);
    assert_one_observation(&samples, "inventario_stock_movement_seconds", &[], 0.0025);
    assert_one_observation(
        &samples,
        "inventario_crypto_op_seconds",
        &[("op", "kdf")],
        0.2,
    );
    assert_eq!(
        value(
            &samples,
            "inventario_crypto_op_seconds_count",
            &[("op", "decrypt")]
        ),
        0.0
    );
    assert_one_observation(&samples, "inventario_audit_append_seconds", &[], 0.000_04);

    // Every registered family shows up, even those with a single series.
    for name in PrometheusSink::new().metric_names() {
        let prefix = type_line_name(name);
        assert!(
            samples.iter().any(|s| s.name.starts_with(prefix)),
            "{name} has no sample"
        );
    }
}
