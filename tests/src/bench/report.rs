//! The results table: each measurement's median and spread next to its reference from the
//! same run, the ratio, the budget and whether it is met.

use serde_json::{json, Value};

use super::stats::Samples;

/// A budget (a goal, not a test).
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    /// Median at most this many times the reference's median.
    Ratio(f64),
    /// Median at most this much above the reference's median (in the row's unit).
    Delta(f64),
    /// Median at most this (in the row's unit).
    Max(f64),
    /// Median at least this (in the row's unit: a throughput).
    Min(f64),
}

/// One line of the table.
pub struct Row {
    /// Item number in the issue (1 … 7), with a letter for parts.
    pub id: String,
    /// What was measured.
    pub measure: String,
    /// Unit of the values.
    pub unit: &'static str,
    /// Keymint's measurements.
    pub value: Samples,
    /// The reference and its measurements.
    pub reference: Option<(String, Samples)>,
    /// The goal.
    pub budget: Option<Budget>,
}

impl Row {
    /// A row without reference or budget yet.
    pub fn new(id: &str, measure: impl Into<String>, unit: &'static str, value: Samples) -> Row {
        Row {
            id: id.to_owned(),
            measure: measure.into(),
            unit,
            value,
            reference: None,
            budget: None,
        }
    }

    /// Sets the reference.
    pub fn vs(mut self, name: impl Into<String>, samples: Samples) -> Row {
        self.reference = Some((name.into(), samples));
        self
    }

    /// Sets the budget.
    pub fn budget(mut self, b: Budget) -> Row {
        self.budget = Some(b);
        self
    }

    fn ratio(&self) -> Option<f64> {
        let (_, r) = self.reference.as_ref()?;
        let (a, b) = (self.value.median(), r.median());
        (a.is_finite() && b.is_finite() && b > 0.0).then(|| a / b)
    }

    /// "met", "MISSED" or "n/a".
    pub fn verdict(&self) -> &'static str {
        let m = self.value.median();
        let Some(b) = self.budget else { return "" };
        let ok = match b {
            Budget::Ratio(x) => self.ratio().map(|r| r <= x),
            Budget::Delta(x) => self
                .reference
                .as_ref()
                .map(|(_, r)| r.median())
                .filter(|r| r.is_finite() && m.is_finite())
                .map(|r| m - r <= x),
            Budget::Max(x) => m.is_finite().then_some(m <= x),
            Budget::Min(x) => m.is_finite().then_some(m >= x),
        };
        match ok {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "n/a",
        }
    }

    fn budget_text(&self) -> String {
        match self.budget {
            None => String::new(),
            Some(Budget::Ratio(x)) => format!("≤ {x}×"),
            Some(Budget::Delta(x)) => format!("≤ +{x} {}", self.unit),
            Some(Budget::Max(x)) => format!("≤ {x} {}", self.unit),
            Some(Budget::Min(x)) => format!("≥ {x} {}", self.unit),
        }
    }

    fn compare_text(&self) -> String {
        let Some(ratio) = self.ratio() else {
            return "—".to_owned();
        };
        match (self.budget, &self.reference) {
            (Some(Budget::Delta(_)), Some((_, r))) => {
                format!(
                    "{ratio:.2}× ({:+.1} {})",
                    self.value.median() - r.median(),
                    self.unit
                )
            }
            _ => format!("{ratio:.2}×"),
        }
    }

    /// The row as JSON (every sample kept).
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "measure": self.measure,
            "unit": self.unit,
            "median": finite(self.value.median()),
            "min": finite(self.value.min()),
            "max": finite(self.value.max()),
            "samples": self.value.0,
            "reference": self.reference.as_ref().map(|(n, s)| json!({
                "name": n, "median": finite(s.median()), "min": finite(s.min()),
                "max": finite(s.max()), "samples": s.0,
            })),
            "ratio": self.ratio(),
            "budget": self.budget_text(),
            "verdict": self.verdict(),
        })
    }
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// "12.3 (11.9–13.0, n=7)", or just the value for a single measurement.
pub fn cell(s: &Samples, unit: &str) -> String {
    if s.is_empty() {
        return "not measured".to_owned();
    }
    let digits = |v: f64| {
        if v.abs() >= 100.0 {
            format!("{v:.0}")
        } else if v.abs() >= 10.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        }
    };
    if s.len() == 1 {
        return format!("{} {unit}", digits(s.median()));
    }
    format!(
        "{} {unit} ({}–{}, n={})",
        digits(s.median()),
        digits(s.min()),
        digits(s.max()),
        s.len()
    )
}

/// The Markdown table of `rows`.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| # | Measure | Keymint: median (min–max, n) | Reference (same run): median (min–max, n) | Ratio | Budget | Result |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let reference = r
            .reference
            .as_ref()
            .map(|(n, s)| format!("{n}: {}", cell(s, r.unit)))
            .unwrap_or_else(|| "—".to_owned());
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.measure,
            cell(&r.value, r.unit),
            reference,
            r.compare_text(),
            r.budget_text(),
            r.verdict()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        let s = |v: &[f64]| Samples(v.to_vec());
        let r = Row::new("1", "x", "ms", s(&[11.0, 12.0, 13.0]))
            .vs("bare", s(&[10.0, 10.0, 10.0]))
            .budget(Budget::Ratio(1.1));
        assert_eq!(r.verdict(), "MISSED");
        let r = Row::new("2", "x", "MiB", s(&[20.0]))
            .vs("bare", s(&[10.0]))
            .budget(Budget::Delta(15.0));
        assert_eq!(r.verdict(), "met");
        assert!(table(&[r]).contains("+10.0 MiB"));
        let r = Row::new("3", "x", "ms", Samples::default()).budget(Budget::Max(2.0));
        assert_eq!(r.verdict(), "n/a");
        let r = Row::new("5", "x", "MB/s", s(&[250.0])).budget(Budget::Min(200.0));
        assert_eq!(r.verdict(), "met");
        assert!(table(&[r]).contains("≥ 200 MB/s"));
    }
}
