//! Questions to the operator on a terminal, answered in their language ("[s/N]" in Italian,
//! where s, si, sì and the English y, yes are a yes; "[y/N]" in English).

use std::io::{BufRead, IsTerminal, Write};

/// Are we talking to a person (standard input and error on a terminal)?
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question` on standard error and reads one line: true only for a yes.
pub fn ask(question: &str) -> bool {
    eprint!("{} ", tr!("confirm-prompt", question = question));
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    match std::io::stdin().lock().read_line(&mut answer) {
        Ok(_) => sportello::i18n::is_yes(sportello::i18n::current(), &answer),
        Err(_) => false,
    }
}
