//! `goodstanding schema`: the JSON Schemas of the documents that cross the boundary.

use std::path::Path;

use crate::error::CliError;
use crate::io::{create_dir, outln, write_output};

/// `goodstanding schema`.
pub fn schema(out: &Path) -> Result<(), CliError> {
    create_dir(out)?;
    let verdict = (
        "verdict.schema.json",
        goodstanding_verifier::verdict::schema(),
    );
    for (name, text) in goodstanding_issuer::schema::all()
        .into_iter()
        .chain([verdict])
    {
        let path = out.join(name);
        write_output(&path, text.as_bytes())?;
        outln!("wrote {}", path.display());
    }
    Ok(())
}
