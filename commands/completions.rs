//! `sportello completions`: shell completions from the clap definitions.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  sportello completions bash > /etc/bash_completion.d/sportello\n  sportello completions zsh > ~/.zfunc/_sportello\n  sportello completions fish > ~/.config/fish/completions/sportello.fish"
)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(a: CompletionsArgs) -> sportello::Result<i32> {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "sportello", &mut crate::stdout::Stdout);
    Ok(0)
}
