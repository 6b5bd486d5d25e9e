-- ARGV: seed, until → how many pre-queue entries were placed
return open_queue(tonumber(ARGV[1]), ARGV[2])
