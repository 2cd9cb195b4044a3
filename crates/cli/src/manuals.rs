//! `completions` and `man`: shell completions and man pages, generated from the same clap
//! definitions as `--help`, so they cannot say anything else.

use std::path::PathBuf;

use crate::error::CliError;
use crate::io::{create_dir, out, outln, write_output};

/// Arguments of `goodstanding completions`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `goodstanding man`.
#[derive(clap::Args)]
pub struct ManArgs {
    /// Folder for the pages, goodstanding.1 and one per command (goodstanding-issue.1, ...),
    /// such as ~/.local/share/man/man1 (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `goodstanding completions SHELL`: the completion script, on standard output.
pub fn completions(args: &CompletionsArgs, mut command: clap::Command) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "goodstanding", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(())
}

/// `goodstanding man --out DIR`: a page for the command and one for each of its commands,
/// each written whole or not at all.
pub fn man(args: &ManArgs, command: clap::Command) -> Result<(), CliError> {
    fn pages(command: clap::Command, into: &mut Vec<(String, Vec<u8>)>) -> Result<(), CliError> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub.clone(), into)?;
        }
        let man = clap_mangen::Man::new(command);
        let mut page = Vec::new();
        man.render(&mut page)
            .map_err(|e| CliError::Input(format!("cannot render a man page: {e}")))?;
        into.push((man.get_filename(), page));
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    pages(command, &mut written)?;
    create_dir(&args.out)?;
    for (name, page) in &written {
        write_output(&args.out.join(name), page)?;
    }
    outln!(
        "wrote {} man pages into {}; read them with `man goodstanding` once that folder is on \
         your MANPATH (~/.local/share/man is by default)",
        written.len(),
        args.out.display()
    );
    Ok(())
}
