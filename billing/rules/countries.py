"""Country names as customers write them, to the two-letter codes billing addresses are stored with."""
from __future__ import annotations

COUNTRIES = {
    "united states of america": "US", "united states": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US",
    "america": "US", "united kingdom": "GB", "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "britain": "GB", "germany": "DE", "deutschland": "DE", "france": "FR",
    "canada": "CA", "australia": "AU", "ireland": "IE", "netherlands": "NL", "the netherlands": "NL",
    "holland": "NL", "spain": "ES", "italy": "IT", "mexico": "MX", "japan": "JP", "india": "IN",
    "switzerland": "CH", "sweden": "SE", "belgium": "BE", "austria": "AT", "poland": "PL", "portugal": "PT",
    "denmark": "DK", "norway": "NO", "finland": "FI", "singapore": "SG", "brazil": "BR", "new zealand": "NZ",
    "china": "CN", "south africa": "ZA", "israel": "IL", "luxembourg": "LU", "czech republic": "CZ",
    "czechia": "CZ", "hungary": "HU", "romania": "RO", "greece": "GR", "turkey": "TR", "korea": "KR",
    "south korea": "KR", "philippines": "PH", "argentina": "AR", "chile": "CL", "colombia": "CO",
}
