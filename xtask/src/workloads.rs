//! The interpreter benchmarks' workloads (issue #3): each a definition, its input and the output
//! its execution must end with. The criterion bench (`benches/engine.rs`) runs them through
//! `asl::engine`, and `cargo xtask bench --moto` hands the very same JSON to moto
//! (`scripts/moto_bench.py`), so both sides run identical definitions on identical inputs.

use serde_json::{json, Value};

/// How many items the Map workload iterates over.
pub const MAP_ITEMS: u64 = 5000;

/// How many times the Choice workload goes round its loop.
pub const LOOP_ITERATIONS: u64 = 1000;

/// One benchmark workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// A short name, also the criterion benchmark id (`[a-z0-9_]`).
    pub name: &'static str,
    /// The ASL definition.
    pub definition: Value,
    /// The execution input.
    pub input: Value,
    /// The output the execution must succeed with.
    pub expected_output: Value,
}

impl Workload {
    /// The workload as one JSON object (`name`, `definition`, `input`, `expectedOutput`), the
    /// form `scripts/moto_bench.py` reads.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "definition": self.definition,
            "input": self.input,
            "expectedOutput": self.expected_output,
        })
    }
}

/// Every workload, in the order they are reported. A workload named `…_jsonata` does the
/// same work as the one named without the suffix, in JSONata.
pub fn all() -> Vec<Workload> {
    vec![
        inline_map(),
        choice_loop(),
        selector_map(false),
        selector_map(true),
        assign_loop(false),
        assign_loop(true),
    ]
}

/// The suffix of the JSONata twin of a workload.
pub const JSONATA_SUFFIX: &str = "_jsonata";

/// An inline Map over [`MAP_ITEMS`] items whose ItemSelector builds each item's input from the
/// context object, and whose result is reduced to a count: in JSONPath (ItemSelector and
/// ResultSelector) or in JSONata (ItemSelector and Output).
pub fn selector_map(jsonata: bool) -> Workload {
    let items: Vec<u64> = (0..MAP_ITEMS).collect();
    let processor = json!({
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "PassItem",
        "States": {"PassItem": {"Type": "Pass", "End": true}}
    });
    let state = if jsonata {
        json!({
            "Type": "Map",
            "QueryLanguage": "JSONata",
            "Items": "{% $states.input.items %}",
            "ItemSelector": {
                "value": "{% $states.context.Map.Item.Value %}",
                "index": "{% $states.context.Map.Item.Index %}"
            },
            "ItemProcessor": processor,
            "Output": {"count": "{% $count($states.result) %}"},
            "End": true
        })
    } else {
        json!({
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "ItemProcessor": processor,
            "ResultSelector": {"count.$": "States.ArrayLength($)"},
            "End": true
        })
    };
    Workload {
        name: if jsonata {
            "map_5000_selector_jsonata"
        } else {
            "map_5000_selector"
        },
        definition: json!({
            "Comment": "An inline Map of 5000 items with an ItemSelector, reduced to a count",
            "StartAt": "EachItem",
            "States": {"EachItem": state}
        }),
        input: json!({ "items": items }),
        expected_output: json!({ "count": MAP_ITEMS }),
    }
}

/// A loop of [`LOOP_ITERATIONS`] rounds counting in a variable: a Pass state assigns `n + 1`,
/// a Choice state goes back while `n` is below the bound, a last state outputs `n`; in JSONPath
/// (States.MathAdd, Variable/NumericLessThan) or in JSONata (`$n + 1`, Condition).
pub fn assign_loop(jsonata: bool) -> Workload {
    let states = if jsonata {
        json!({
            "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Increment"},
            "Increment": {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}"}, "Next": "Again?"},
            "Again?": {"Type": "Choice", "Default": "Done", "Choices": [
                {"Condition": format!("{{% $n < {LOOP_ITERATIONS} %}}"), "Next": "Increment"}]},
            "Done": {"Type": "Pass", "Output": {"n": "{% $n %}"}, "End": true}
        })
    } else {
        json!({
            "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Increment"},
            "Increment": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Again?"},
            "Again?": {"Type": "Choice", "Default": "Done", "Choices": [
                {"Variable": "$n", "NumericLessThan": LOOP_ITERATIONS, "Next": "Increment"}]},
            "Done": {"Type": "Pass", "Parameters": {"n.$": "$n"}, "End": true}
        })
    };
    let mut definition = json!({
        "Comment": "A loop of 1000 rounds counting in a variable",
        "StartAt": "Init",
        "States": states
    });
    if jsonata {
        definition["QueryLanguage"] = json!("JSONata");
    }
    Workload {
        name: if jsonata {
            "assign_loop_1000_jsonata"
        } else {
            "assign_loop_1000"
        },
        definition,
        input: json!({}),
        expected_output: json!({ "n": LOOP_ITERATIONS }),
    }
}

/// An inline Map over the [`MAP_ITEMS`]-element array at `$.items` whose item processor is a
/// single Pass state: the output is the array itself.
pub fn inline_map() -> Workload {
    let items: Vec<u64> = (0..MAP_ITEMS).collect();
    Workload {
        name: "map_5000_pass",
        definition: json!({
            "Comment": "An inline Map of 5000 items, each through one Pass state",
            "StartAt": "EachItem",
            "States": {
                "EachItem": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "PassItem",
                        "States": {"PassItem": {"Type": "Pass", "End": true}}
                    },
                    "End": true
                }
            }
        }),
        input: json!({ "items": items }),
        expected_output: json!(items),
    }
}

/// A loop of a Pass state adding one to `$.count` (States.MathAdd) and a Choice state going
/// back to it until the count reaches [`LOOP_ITERATIONS`], then a Succeed state.
pub fn choice_loop() -> Workload {
    Workload {
        name: "choice_loop_1000",
        definition: json!({
            "Comment": "A Choice loop of 1000 iterations counting with States.MathAdd",
            "StartAt": "Increment",
            "States": {
                "Increment": {
                    "Type": "Pass",
                    "Parameters": {"count.$": "States.MathAdd($.count, 1)"},
                    "Next": "Again?"
                },
                "Again?": {
                    "Type": "Choice",
                    "Choices": [{
                        "Variable": "$.count",
                        "NumericLessThan": LOOP_ITERATIONS,
                        "Next": "Increment"
                    }],
                    "Default": "Done"
                },
                "Done": {"Type": "Succeed"}
            }
        }),
        input: json!({"count": 0}),
        expected_output: json!({ "count": LOOP_ITERATIONS }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use asl::model::Definition;

    #[test]
    fn every_workload_is_a_valid_definition_with_a_unique_name() {
        let workloads = all();
        for w in &workloads {
            Definition::from_value(&w.definition).unwrap_or_else(|e| panic!("{}: {e:?}", w.name));
            assert!(w
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
            assert_eq!(w.to_json()["expectedOutput"], w.expected_output);
        }
        let mut names: Vec<&str> = workloads.iter().map(|w| w.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), workloads.len(), "names are unique");
        for w in workloads
            .iter()
            .filter(|w| w.name.ends_with(JSONATA_SUFFIX))
        {
            let twin = w.name.trim_end_matches(JSONATA_SUFFIX);
            let twin = workloads
                .iter()
                .find(|t| t.name == twin)
                .expect("a JSONPath twin");
            assert_eq!(twin.expected_output, w.expected_output);
        }
        assert_eq!(
            workloads[0].input["items"].as_array().map(Vec::len),
            Some(5000)
        );
    }
}
