-- KEYS: 1 the window. ARGV: windowMs → {hits, ms until the window resets}
return { hit_window(KEYS[1], ARGV[1]) }
