//! The shared vocabulary, the lowest floor of the crate: the macro that declares a closed
//! vocabulary (an enum with its file/JSON keys, labels for people and `ALL`), and the values
//! every layer above speaks, such as [`Severity`]. It imports nothing from the crate.

/// Declares a closed vocabulary: the enum, its file keys (snake case), human labels, and `ALL`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $key:literal, $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $key)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order (the order used by menus and reports).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The key used in model files and JSON.
            #[must_use]
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// A short label for people.
            #[must_use]
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The value whose key this is.
            #[must_use]
            pub fn from_key(key: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.key() == key)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// How bad a finding is. Ordered from least to most severe.
    pub enum Severity {
        Info = "info", "Info",
        Low = "low", "Low",
        Medium = "medium", "Medium",
        High = "high", "High",
        Critical = "critical", "Critical",
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .iter()
            .copied()
            .find(|v| v.key().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}`: use critical, high, medium, low or info")
            })
    }
}
