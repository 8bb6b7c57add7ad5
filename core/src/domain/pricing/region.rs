//! Pricing regions and how place names map to them.
//!
//! This module owns [`Region`] (CABA, GBA, interior) and [`Region::from_name`], which resolves a
//! place name by exact match after normalisation — never by substring **(legacy fix: substring
//! matching sent "Ciudad Autónoma de Buenos Aires" to the GBA factor)**.

use core::fmt;

use super::normalise;

/// Where a product is sold, for the regional factor of the full engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    /// The city of Buenos Aires (CABA, "Capital").
    Caba,
    /// Greater Buenos Aires and the rest of Buenos Aires province.
    Gba,
    /// Every other province.
    Interior,
}

/// Normalised names of the city of Buenos Aires.
const CABA_NAMES: &[&str] = &[
    "caba",
    "capital",
    "capital federal",
    "ciudad autonoma de buenos aires",
    "ciudad de buenos aires",
];

/// Normalised names of Greater Buenos Aires and Buenos Aires province.
const GBA_NAMES: &[&str] = &[
    "gba",
    "gran buenos aires",
    "buenos aires",
    "provincia de buenos aires",
];

/// Normalised names of the 22 provinces other than Buenos Aires, and the region's own code.
const INTERIOR_NAMES: &[&str] = &[
    "interior",
    "catamarca",
    "chaco",
    "chubut",
    "cordoba",
    "corrientes",
    "entre rios",
    "formosa",
    "jujuy",
    "la pampa",
    "la rioja",
    "mendoza",
    "misiones",
    "neuquen",
    "rio negro",
    "salta",
    "san juan",
    "san luis",
    "santa cruz",
    "santa fe",
    "santiago del estero",
    "tierra del fuego",
    "tierra del fuego, antartida e islas del atlantico sur",
    "tucuman",
];

impl Region {
    /// Every region, in code order.
    pub const ALL: [Region; 3] = [Region::Caba, Region::Gba, Region::Interior];

    /// The stored code: `"CABA"`, `"GBA"` or `"INTERIOR"`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Caba => "CABA",
            Region::Gba => "GBA",
            Region::Interior => "INTERIOR",
        }
    }

    /// The region of a place name, or `None` for text that is not a known name.
    ///
    /// The name is normalised (lower-case, accents stripped, spaces trimmed and collapsed) and
    /// must then equal one of the known names exactly; a leading "provincia de"/"provincia del"
    /// is accepted before a province name ("Provincia del Neuquén").
    ///
    /// - CABA: "CABA", "Capital", "Capital Federal", "Ciudad Autónoma de Buenos Aires",
    ///   "Ciudad de Buenos Aires";
    /// - GBA: "GBA", "Gran Buenos Aires", "Buenos Aires", "Provincia de Buenos Aires";
    /// - interior: "INTERIOR" and the other 22 provinces (Catamarca, Chaco, Chubut, Córdoba,
    ///   Corrientes, Entre Ríos, Formosa, Jujuy, La Pampa, La Rioja, Mendoza, Misiones, Neuquén,
    ///   Río Negro, Salta, San Juan, San Luis, Santa Cruz, Santa Fe, Santiago del Estero,
    ///   Tierra del Fuego, Tucumán).
    ///
    /// ```
    /// use inventario_core::domain::pricing::Region;
    ///
    /// assert_eq!(Region::from_name("Ciudad Autónoma de Buenos Aires"), Some(Region::Caba));
    /// assert_eq!(Region::from_name("  gran   BUENOS aires "), Some(Region::Gba));
    /// assert_eq!(Region::from_name("Córdoba"), Some(Region::Interior));
    /// assert_eq!(Region::from_name("Barrio de Buenos Aires"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Region> {
        let name = normalise(name);
        if let Some(region) = Self::exact(&name) {
            return Some(region);
        }
        let province = name
            .strip_prefix("provincia del ")
            .or_else(|| name.strip_prefix("provincia de "))?;
        match province {
            "buenos aires" => Some(Region::Gba),
            "interior" => None,
            p if INTERIOR_NAMES.contains(&p) => Some(Region::Interior),
            _ => None,
        }
    }

    /// The region whose list holds the normalised `name`.
    fn exact(name: &str) -> Option<Region> {
        if CABA_NAMES.contains(&name) {
            Some(Region::Caba)
        } else if GBA_NAMES.contains(&name) {
            Some(Region::Gba)
        } else if INTERIOR_NAMES.contains(&name) {
            Some(Region::Interior)
        } else {
            None
        }
    }
}

impl fmt::Display for Region {
    /// Writes the code: `CABA`, `GBA`, `INTERIOR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let codes: Vec<_> = Region::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, ["CABA", "GBA", "INTERIOR"]);
        assert_eq!(Region::Interior.to_string(), "INTERIOR");
        for region in Region::ALL {
            assert_eq!(Region::from_name(region.code()), Some(region));
        }
    }

    #[test]
    fn from_name_vectors() {
        let cases = [
            ("CABA", Some(Region::Caba)),
            ("caba", Some(Region::Caba)),
            ("Capital", Some(Region::Caba)),
            ("Capital Federal", Some(Region::Caba)),
            // The legacy bug: substring matching on "buenos aires" sent this to GBA (1.08).
            ("Ciudad Autónoma de Buenos Aires", Some(Region::Caba)),
            ("CIUDAD AUTONOMA DE BUENOS AIRES", Some(Region::Caba)),
            ("Ciudad de Buenos Aires", Some(Region::Caba)),
            ("GBA", Some(Region::Gba)),
            ("Gran Buenos Aires", Some(Region::Gba)),
            ("Buenos Aires", Some(Region::Gba)),
            ("Provincia de Buenos Aires", Some(Region::Gba)),
            ("  provincia   de buenos   AIRES\t", Some(Region::Gba)),
            ("Córdoba", Some(Region::Interior)),
            ("CORDOBA", Some(Region::Interior)),
            ("Mendoza", Some(Region::Interior)),
            ("Tucumán", Some(Region::Interior)),
            ("Entre Ríos", Some(Region::Interior)),
            ("Neuquén", Some(Region::Interior)),
            ("Provincia del Neuquén", Some(Region::Interior)),
            ("Provincia de Santa Fe", Some(Region::Interior)),
            ("Santiago del Estero", Some(Region::Interior)),
            (
                "Tierra del Fuego, Antártida e Islas del Atlántico Sur",
                Some(Region::Interior),
            ),
            ("Interior", Some(Region::Interior)),
            // Not substrings, not unknown text.
            ("Buenos Aires Centro", None),
            ("Barrio de Buenos Aires", None),
            ("Capital de Córdoba", None),
            ("Cordobesa", None),
            ("Provincia de Capital Federal", None),
            ("Provincia de Interior", None),
            ("Montevideo", None),
            ("", None),
            ("   ", None),
        ];
        for (name, expected) in cases {
            assert_eq!(Region::from_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn every_province_is_known() {
        let provinces = [
            "Buenos Aires",
            "Catamarca",
            "Chaco",
            "Chubut",
            "Córdoba",
            "Corrientes",
            "Entre Ríos",
            "Formosa",
            "Jujuy",
            "La Pampa",
            "La Rioja",
            "Mendoza",
            "Misiones",
            "Neuquén",
            "Río Negro",
            "Salta",
            "San Juan",
            "San Luis",
            "Santa Cruz",
            "Santa Fe",
            "Santiago del Estero",
            "Tierra del Fuego",
            "Tucumán",
        ];
        assert_eq!(provinces.len(), 23);
        for province in provinces {
            let expected = if province == "Buenos Aires" {
                Region::Gba
            } else {
                Region::Interior
            };
            assert_eq!(Region::from_name(province), Some(expected), "{province}");
        }
    }
}
