//! Fitting a table to the terminal's width without splitting what a clerk copies or reads as
//! one piece: fiscal codes, dates, times, numbers, even inside a text ("succeeded (2026-11-23
//! 10:05 CET)" is cut before the date, never in it). Text columns are ellipsised ("…") first,
//! widest first; when even that does not fit, whole columns are dropped, the least needed
//! first: each listing says which columns a clerk needs first (its priority), the others
//! count as less needed, the ones on the right least. `--wide` prints every column whole.

use tabled::grid::util::string::{get_char_width, get_text_width};

/// The narrowest a text column is ellipsised to (fewer characters say nothing).
const MIN_TEXT: usize = 8;

/// What the psql style adds around cells: one space either side, one `|` between columns.
fn overhead(columns: usize) -> usize {
    columns * 2 + columns.saturating_sub(1)
}

/// A value that must never be split or ellipsised: a code (fiscal code, registration or
/// document number, run id), a date or a moment (`2026-11-23 10:05 CET`), a number.
pub fn unbreakable(cell: &str) -> bool {
    let cell = cell.trim();
    if cell.is_empty() || cell.contains('\n') {
        return false;
    }
    let code = !cell.contains(char::is_whitespace)
        && cell.chars().any(|c| c.is_ascii_digit())
        && cell.chars().all(|c| c.is_ascii_alphanumeric() || "-/.:,+_".contains(c));
    // A date, time or number, possibly followed by a zone (CET, CEST, UTC).
    let mut words = cell.split_whitespace();
    let moment = cell.starts_with(|c: char| c.is_ascii_digit())
        && words.all(|w| {
            w.chars().all(|c| c.is_ascii_digit() || "-/:.,".contains(c))
                || (w.len() <= 4 && w.chars().all(|c| c.is_ascii_uppercase()))
        });
    code || moment
}

/// `text` cut to `width` columns, ending in "…" when cut; each line on its own. A cut never
/// falls inside a code, a date or a moment within the text (words that together are
/// unbreakable once the brackets around them are set aside): the text is cut before them.
pub fn ellipsis(text: &str, width: usize) -> String {
    text.lines()
        .map(|line| {
            if get_text_width(line) <= width {
                return line.to_string();
            }
            let mut end = 0;
            let mut used = 0;
            for (i, c) in line.char_indices() {
                let w = get_char_width(c);
                if used + w + 1 > width {
                    break;
                }
                end = i + c.len_utf8();
                used += w;
            }
            if let Some((start, _)) = unbreakable_spans(line).into_iter().find(|&(a, b)| a < end && end < b) {
                end = start;
            }
            format!("{}…", line[..end].trim_end())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The byte ranges of `line` that must stay whole: the longest runs of words that together
/// are [`unbreakable`], brackets and punctuation around them set aside.
fn unbreakable_spans(line: &str) -> Vec<(usize, usize)> {
    let words: Vec<(usize, usize)> = line
        .split_whitespace()
        .map(|w| {
            let at = w.as_ptr() as usize - line.as_ptr() as usize;
            (at, at + w.len())
        })
        .collect();
    let whole = |a: usize, b: usize| unbreakable(line[a..b].trim_matches(|c: char| "()[]{},;\"'".contains(c)));
    let mut spans = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match (i..words.len()).rev().find(|&j| whole(words[i].0, words[j].1)) {
            Some(j) => {
                spans.push((words[i].0, words[j].1));
                i = j + 1;
            }
            None => i += 1,
        }
    }
    spans
}

/// The order in which columns are kept: `priority` (indices, the most needed first), then the
/// others from left to right.
fn ranked(n: usize, priority: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(n);
    for &i in priority.iter().chain(&(0..n).collect::<Vec<_>>()) {
        if i < n && !order.contains(&i) {
            order.push(i);
        }
    }
    order
}

/// The table cut to `width`: every column whole if it fits; else text columns ellipsised, and
/// the least needed columns dropped (the last of `priority`, then of the ones it leaves out)
/// while even that is too wide; the columns kept stay in their order. Returns the names of the
/// columns dropped.
pub fn fit(headers: &mut Vec<String>, rows: &mut [Vec<String>], width: usize, priority: &[usize]) -> Vec<String> {
    let n = headers.len();
    let natural: Vec<usize> = (0..n)
        .map(|i| rows.iter().map(|r| get_text_width(&r[i])).chain([get_text_width(&headers[i])]).max().unwrap_or(0))
        .collect();
    if natural.iter().sum::<usize>() + overhead(n) <= width {
        return Vec::new();
    }
    // The narrowest each column may be: its unbreakable values whole (the header is ellipsised
    // down to them), a text column down to MIN_TEXT.
    let floor: Vec<usize> = (0..n)
        .map(|i| {
            let whole = rows.iter().map(|r| &r[i]).filter(|c| unbreakable(c)).map(|c| get_text_width(c)).max();
            let text = rows.iter().any(|r| !r[i].trim().is_empty() && !unbreakable(&r[i]));
            let least = if text { MIN_TEXT } else { 1 };
            whole.unwrap_or(0).max(least.min(natural[i])).max(2.min(natural[i]))
        })
        .collect();
    let mut order = ranked(n, priority);
    let mut dropped = Vec::new();
    while order.len() > 1 && order.iter().map(|&i| floor[i]).sum::<usize>() + overhead(order.len()) > width {
        let least = order.pop().expect("more than one column");
        dropped.push(headers[least].clone());
    }
    let mut kept = order;
    kept.sort_unstable();
    // Widest first, one column at a time, down to the floors.
    let mut widths: Vec<usize> = kept.iter().map(|&i| natural[i]).collect();
    let budget = width.saturating_sub(overhead(kept.len()));
    while widths.iter().sum::<usize>() > budget {
        let Some(j) = (0..kept.len()).filter(|&j| widths[j] > floor[kept[j]]).max_by_key(|&j| widths[j]) else {
            break;
        };
        widths[j] -= 1;
    }
    *headers = kept.iter().zip(&widths).map(|(&i, &w)| ellipsis(&headers[i], w)).collect();
    for row in rows.iter_mut() {
        *row = kept.iter().zip(&widths).map(|(&i, &w)| ellipsis(&row[i], w)).collect();
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_dates_and_numbers_are_unbreakable_and_text_is_not() {
        for v in
            ["RSSMRA85T10L219G", "2026-11-23", "2026-11-23 10:05 CET", "1000042", "1,234", "31/01/1980", "CA12345AA"]
        {
            assert!(unbreakable(v), "{v}");
        }
        for v in ["Rossi", "Torino (TO)", "book --operation pin", "", "a\nb"] {
            assert!(!unbreakable(v), "{v}");
        }
    }

    #[test]
    fn a_date_or_a_code_within_a_text_is_never_cut() {
        let cell = "succeeded (2026-11-23 10:05 CET)";
        for width in 8..cell.chars().count() {
            let cut = ellipsis(cell, width);
            assert!(get_text_width(&cut) <= width, "{width}: {cut}");
            let moment = "2026-11-23 10:05 CET";
            assert!(cut.contains(moment) || !cut.contains(|c: char| c.is_ascii_digit()), "{width}: {cut}");
        }
        assert_eq!(ellipsis("checked RSSMRA85T10L219G today", 20), "checked…");
        assert_eq!(ellipsis("checked RSSMRA85T10L219G today", 26), "checked RSSMRA85T10L219G…");
    }

    #[test]
    fn the_least_needed_columns_are_dropped_first_and_the_kept_stay_in_order() {
        let mut headers: Vec<String> = ["when", "delegate", "event", "outcome"].map(String::from).to_vec();
        let mut rows =
            vec![["2026-11-23 10:05 CET", "guardianship", "registered", "succeeded"].map(String::from).to_vec()];
        // By position the outcome would go first; by priority the delegate does.
        let dropped = fit(&mut headers, &mut rows, 50, &[0, 2, 3]);
        assert_eq!(dropped, ["delegate"]);
        assert_eq!(headers, ["when", "event", "outcome"]);
        assert_eq!(rows[0][0], "2026-11-23 10:05 CET");
    }

    #[test]
    fn text_is_ellipsised_codes_kept_whole_and_the_last_columns_dropped() {
        let mut headers: Vec<String> = ["number", "fiscal_code", "name", "actions"].map(String::from).to_vec();
        let mut rows = vec![
            ["1000042", "RSSMRA85T10L219G", "Mario Rossi Bianchi Verdi", "book --operation pin, edit, print-letters"]
                .map(String::from)
                .to_vec(),
        ];
        let dropped = fit(&mut headers, &mut rows, 60, &[]);
        assert!(dropped.is_empty());
        assert_eq!(rows[0][1], "RSSMRA85T10L219G");
        assert_eq!(rows[0][0], "1000042");
        let total: usize = rows[0].iter().map(|c| get_text_width(c)).sum::<usize>() + overhead(4);
        assert!(total <= 60, "{rows:?}");
        assert!(rows[0][3].ends_with('…'), "{rows:?}");
        let dropped = fit(&mut headers, &mut rows, 40, &[]);
        assert_eq!(dropped, ["actions"]);
        assert_eq!(rows[0][1], "RSSMRA85T10L219G");
    }
}
