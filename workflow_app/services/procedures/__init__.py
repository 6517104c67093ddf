"""Procedures as packages: reading a package (`packages`), its forms (`forms`), deploying and looking
up its versions (`versions`)."""
