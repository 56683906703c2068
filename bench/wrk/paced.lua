-- wrk script: bodies.lua at a fixed total request rate.
--
--   wrk ... -s bench/wrk/paced.lua <url> -- <lines-file> <threads> <requests-per-second>
--
-- wrk calls delay() before every request of every connection. Each thread
-- hands out send slots on a fixed schedule (rate / threads per second): a
-- connection that asks waits until the next free slot. With enough
-- connections this is an open-loop arrival rate, like wrk2's -R, as long as
-- the server keeps up; wrk's latency clock starts when the request is sent.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "bodies.lua")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval_ms = nil
local next_slot = nil
local base_init = init

function init(args)
  base_init(args)
  local nthreads = tonumber(args[2] or "1")
  local rate = tonumber(args[3])
  assert(rate and rate > 0, "paced.lua needs a rate (requests per second)")
  interval_ms = 1000 * nthreads / rate
end

function delay()
  local t = now_ms()
  if next_slot == nil then next_slot = t end
  local slot = next_slot
  -- A server that fell more than a second behind gets no burst to catch up:
  -- the schedule restarts from now (the run's throughput then shows it).
  if slot < t - 1000 then slot = t end
  next_slot = slot + interval_ms
  local wait = slot - t
  if wait < 0 then wait = 0 end
  return math.floor(wait)
end
