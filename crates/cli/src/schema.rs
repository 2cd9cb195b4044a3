//! `goodstanding schema`: the JSON Schemas of the documents that cross the boundary.

use std::path::PathBuf;

use crate::error::CliError;
use crate::io::{create_dir, outln, write_output};

/// Arguments of `goodstanding schema`.
#[derive(clap::Args)]
pub struct SchemaArgs {
    /// Folder to write the schemas into.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    pub out: PathBuf,
}

/// `goodstanding schema`.
pub fn schema(args: &SchemaArgs) -> Result<(), CliError> {
    let out = args.out.as_path();
    create_dir(out)?;
    let verdict = (
        "verdict.schema.json",
        goodstanding_verifier::verdict::schema(),
    );
    for (name, text) in goodstanding_issuer::schema::all()
        .into_iter()
        .chain([verdict])
        .chain(crate::outputs::schemas())
    {
        let path = out.join(name);
        write_output(&path, text.as_bytes())?;
        outln!("wrote {}", path.display());
    }
    Ok(())
}
