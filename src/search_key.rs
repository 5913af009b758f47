//! Search keys of names: what `nicolo` and NICOLÒ, `dangelo` and D'ANGELO have in common.
//!
//! The Rust twin of the SQL function `search_key()` (sql/V1__tables.sql), which keeps the
//! `last_name_key` and `first_name_key` columns: accented Latin letters become their base
//! letter, apostrophes, spaces and hyphens are dropped, ASCII letters are upper-cased, every
//! other character is kept as it is. Both apply the same table ([`FROM`] → [`TO`], as
//! PostgreSQL's `translate()`: a character of `FROM` beyond the length of `TO` is removed).

/// Characters replaced (or, past the length of [`TO`], removed).
pub const FROM: &str = "àÀáÁâÂãÃäÄåÅāĀăĂąĄçÇćĆĉĈċĊčČďĎđĐèÈéÉêÊëËēĒĕĔėĖęĘěĚĝĜğĞġĠģĢĥĤħĦìÌíÍîÎïÏĩĨīĪĭĬįĮıİĵĴķĶĺĹļĻľĽŀĿłŁñÑńŃņŅňŇòÒóÓôÔõÕöÖøØōŌŏŎőŐŕŔŗŖřŘśŚŝŜşŞšŠșȘţŢťŤŧŦțȚùÙúÚûÛüÜũŨūŪŭŬůŮűŰųŲŵŴýÝÿŸŷŶźŹżŻžŽ'’‘`´ -";

/// Their replacements.
pub const TO: &str = "AAAAAAAAAAAAAAAAAACCCCCCCCCCDDDDEEEEEEEEEEEEEEEEEEGGGGGGGGHHHHIIIIIIIIIIIIIIIIIIJJKKLLLLLLLLLLNNNNNNNNOOOOOOOOOOOOOOOOOORRRRRRSSSSSSSSSSTTTTTTTTUUUUUUUUUUUUUUUUUUUUWWYYYYYYZZZZZZ";

/// The search key of a name, as the database computes it.
pub fn search_key(name: &str) -> String {
    name.chars()
        .filter_map(|c| match FROM.chars().position(|f| f == c) {
            Some(i) => TO.chars().nth(i),
            None => Some(c),
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_apostrophes_spaces_and_case_fold_away() {
        assert_eq!(search_key("Nicolò"), "NICOLO");
        assert_eq!(search_key("nicolo"), "NICOLO");
        assert_eq!(search_key("D'Angelo"), "DANGELO");
        assert_eq!(search_key("D’ANGELO"), "DANGELO");
        assert_eq!(search_key("dangelo"), "DANGELO");
        assert_eq!(search_key("De Luca-Ferrè"), "DELUCAFERRE");
        assert_eq!(search_key("Ștefănescu Łukasz"), "STEFANESCULUKASZ");
        assert_eq!(search_key("ross*"), "ROSS*", "wildcards are kept");
        assert_eq!(search_key("Straße"), "STRAßE", "a letter outside the table is kept as it is");
    }

    #[test]
    fn the_table_is_the_one_of_the_migration() {
        let sql = include_str!("../sql/V1__tables.sql");
        let from = FROM.replace('\'', "''");
        assert!(sql.contains(&format!("translate(name, '{from}', '{TO}')")), "sql/V1 and src/search_key.rs differ");
        assert!(FROM.chars().count() > TO.chars().count(), "the removed characters");
    }
}
