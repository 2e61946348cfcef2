"""Knowledge-base articles (markdown with YAML front matter); a package only so they ship as package data."""
