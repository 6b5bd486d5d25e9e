-- KEYS: 1 bits · 2 version. ARGV: now → {version, bits or false}
return { version(KEYS[2], ARGV[1]), redis.call('GET', KEYS[1]) }
