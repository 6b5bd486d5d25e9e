-- ARGV: now → the version a rebuild must read before reading PostgreSQL
return version(KEYS[4], ARGV[1])
