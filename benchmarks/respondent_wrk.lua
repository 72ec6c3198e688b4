-- wrk script for benchmarks/respondent_load.py: each request uses the next invitation token.
--
--   wrk ... -s benchmarks/respondent_wrk.lua URL -- <mode> <token file> [csrf cookie] [csrf form token]
--
-- mode "get": GET /s/<token>/; mode "post": POST /s/<token>/ with a valid answer, the CSRF cookie
-- and the form token (taken from one served page: Django checks the form token against the
-- cookie's secret, so one pair serves every request). Thread n of N takes tokens n, n+N, ...;
-- a thread that runs out of tokens stops, so no token is ever posted twice.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  mode = args[1]
  tokens = {}
  for line in io.lines(args[2]) do
    if #line > 0 then
      tokens[#tokens + 1] = line
    end
  end
  cookie = args[3]
  form_token = args[4]
  step = tonumber(os.getenv("WRK_THREADS") or "1")
  index = id
  if mode == "post" then
    headers = {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = "csrftoken=" .. cookie,
    }
    body = "q_nps=9&locale=zh-hans&csrfmiddlewaretoken=" .. form_token
  end
end

function request()
  local token = tokens[index]
  if token == nil then
    -- out of tokens: stop, and never post a token twice (this last request is a harmless GET)
    wrk.thread:stop()
    return wrk.format("GET", "/bench/minimal/")
  end
  index = index + step
  local path = "/s/" .. token .. "/"
  if mode == "post" then
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path)
end
