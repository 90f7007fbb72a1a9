//! Greedy minimization of a failing input: syntax-tree reductions (statements,
//! subexpressions, parameters, arms) while the input parses, then token-tree
//! deletions, keeping each smaller variant that still tokenizes and still fails.

use super::{ast, nodes, render, tokenize, Node};
use proc_macro2::TokenStream;

fn size(ts: &TokenStream) -> usize {
    ts.clone()
        .into_iter()
        .map(|t| match t {
            proc_macro2::TokenTree::Group(g) => 2 + size(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// Token-level variants: each group's contents with one chunk deleted (chunks of
/// half, a quarter, ..., one node), and each group unwrapped.
fn token_candidates(ns: &[Node]) -> Vec<Vec<Node>> {
    let mut out = Vec::new();
    let mut chunk = ns.len().max(1);
    loop {
        chunk = chunk.div_ceil(2);
        let mut start = 0;
        while start < ns.len() {
            let mut v = ns.to_vec();
            v.drain(start..(start + chunk).min(ns.len()));
            out.push(v);
            start += chunk;
        }
        if chunk == 1 {
            break;
        }
    }
    for (i, n) in ns.iter().enumerate() {
        if let Node::Group(d, c) = n {
            let mut v = ns.to_vec();
            v.splice(i..=i, c.iter().cloned());
            out.push(v);
            for inner in token_candidates(c) {
                let mut v = ns.to_vec();
                v[i] = Node::Group(*d, inner);
                out.push(v);
            }
        }
    }
    out
}

/// The smallest variant of `src` found (within `budget` evaluations) for which
/// `fails` holds; `src` itself must fail.
pub fn minimize(src: &str, fails: &dyn Fn(&TokenStream) -> bool, budget: usize) -> String {
    let Some(mut best) = tokenize(src) else {
        return src.to_string();
    };
    let mut evals = 0;
    'outer: while evals < budget {
        let current = size(&best);
        let mut candidates: Vec<TokenStream> = ast::shrink_candidates(&best);
        candidates.extend(
            token_candidates(&nodes(best.clone()))
                .iter()
                .map(|v| render(v)),
        );
        for c in candidates {
            if size(&c) >= current {
                continue;
            }
            // Only variants that the lexer accepts again, as a user could write them.
            let Some(c) = tokenize(&c.to_string()) else {
                continue;
            };
            evals += 1;
            if fails(&c) {
                best = c;
                continue 'outer;
            }
            if evals >= budget {
                break 'outer;
            }
        }
        break;
    }
    best.to_string()
}
