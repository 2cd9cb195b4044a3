//! Professional registration numbers, checked for format only, per regulator: the formats live
//! in `registration-formats.tsv` beside this file, each with the source it comes from. A
//! certificate says that registrations were checked for format only, never with the regulator.

/// The formats, as shipped.
const FORMATS: &str = include_str!("registration-formats.tsv");

/// One regulator's registration number format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationFormat {
    /// The regulator's code, such as `GMC`.
    pub regulator: &'static str,
    /// The accepted forms: `D` a digit, `L` a capital letter, anything else itself.
    pub patterns: Vec<&'static str>,
    /// What a number looks like, for messages.
    pub example: &'static str,
    /// Where the format comes from.
    pub source: &'static str,
}

/// Every regulator's format, in file order (lines starting `#` are comments).
pub fn formats() -> Vec<RegistrationFormat> {
    FORMATS
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut cells = line.split('\t');
            Some(RegistrationFormat {
                regulator: cells.next()?,
                patterns: cells.next()?.split('|').collect(),
                example: cells.next()?,
                source: cells.next()?,
            })
        })
        .collect()
}

fn matches(pattern: &str, number: &str) -> bool {
    pattern.chars().count() == number.chars().count()
        && pattern.chars().zip(number.chars()).all(|(p, n)| match p {
            'D' => n.is_ascii_digit(),
            'L' => n.is_ascii_uppercase(),
            other => other == n,
        })
}

/// Why a registration number was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationProblem {
    /// A regulator this file has no format for.
    UnknownRegulator(String),
    /// A number not in the regulator's format.
    Format {
        /// The regulator.
        regulator: &'static str,
        /// What a number looks like.
        example: &'static str,
    },
}

impl std::fmt::Display for RegistrationProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownRegulator(code) => {
                let known: Vec<&str> = formats().iter().map(|f| f.regulator).collect();
                write!(
                    f,
                    "regulator {code:?} is not one whose number format goodstanding knows ({}); \
                     check the code, or add the regulator's format, with its source, to \
                     crates/issuer/src/registration-formats.tsv",
                    known.join(", ")
                )
            }
            Self::Format { regulator, example } => write!(
                f,
                "is not a {regulator} registration number ({example}); check it against the \
                 register"
            ),
        }
    }
}

/// Checks `number` against the format of `regulator` (its code, any case).
pub fn check(regulator: &str, number: &str) -> Result<(), RegistrationProblem> {
    let code = regulator.to_ascii_uppercase();
    let format = formats()
        .into_iter()
        .find(|f| f.regulator == code)
        .ok_or(RegistrationProblem::UnknownRegulator(regulator.to_string()))?;
    if format.patterns.iter().any(|p| matches(p, number)) {
        Ok(())
    } else {
        Err(RegistrationProblem::Format {
            regulator: format.regulator,
            example: format.example,
        })
    }
}
