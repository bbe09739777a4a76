//! `vocabulary!`: one closed list of words as an enum, with its codes and catalogue keys.

/// Declares a vocabulary: `Variant = "stored_code" => "catalogue.key",` for each word.
/// The enum maps to PostgreSQL `text` (the column's `check` lists the same codes) and gets
/// `ALL`, `code()`, `label_key()` and `parse()`, each an exhaustive match.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type)]
        #[sqlx(type_name = "text")]
        pub enum $name {
            $( $(#[$vmeta])* #[sqlx(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every value, in the order pages list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code the database keeps (and forms send).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )+
                }
            }

            /// The catalogue key of the word's name.
            pub fn label_key(self) -> &'static str {
                match self {
                    $( $name::$variant => $label, )+
                }
            }

            /// The value of a stored or submitted code; `None` for anything else.
            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
