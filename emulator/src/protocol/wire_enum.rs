//! [`wire_enum!`]: an enum of a service model whose members travel as fixed strings.

/// Declares an enum whose members are spelled on the wire as the service model spells them
/// (`CREATE_COMPLETE`, `Add`): `as_str`, `parse`, `ALL`, `Display`, and serde as that same
/// string, so journal lines keep the wire spelling and older lines replay unchanged.
///
/// ```ignore
/// wire_enum! {
///     /// `ExecutionStatus`.
///     pub enum ExecutionStatus {
///         Available = "AVAILABLE",
///         Unavailable = "UNAVAILABLE",
///     }
/// }
/// ```
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($variant:ident = $text:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $(#[doc = concat!("`", $text, "`")] $variant,)+
        }

        impl $name {
            /// Every member, in the model's order.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The member as the service spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The member spelled `text`, if there is one.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Every spelling, in the model's order (for "must satisfy enum value set").
            #[allow(dead_code)]
            pub fn spellings() -> Vec<&'static str> {
                Self::ALL.iter().map(|m| m.as_str()).collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("unknown ", stringify!($name), " {:?}"),
                        text
                    ))
                })
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    wire_enum! {
        /// A test enum.
        enum Colour {
            Red = "RED",
            DarkBlue = "DARK_BLUE",
        }
    }

    #[test]
    fn members_travel_as_their_spelling_and_strangers_are_refused() {
        assert_eq!(Colour::DarkBlue.as_str(), "DARK_BLUE");
        assert_eq!(Colour::parse("RED"), Some(Colour::Red));
        assert_eq!(Colour::parse("red"), None);
        assert_eq!(Colour::spellings(), vec!["RED", "DARK_BLUE"]);
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).unwrap(),
            "\"DARK_BLUE\""
        );
        let back: Colour = serde_json::from_str("\"DARK_BLUE\"").unwrap();
        assert_eq!(back, Colour::DarkBlue);
        let err = serde_json::from_str::<Colour>("\"GREEN\"").unwrap_err();
        assert!(
            err.to_string().contains("unknown Colour \"GREEN\""),
            "{err}"
        );
    }
}
