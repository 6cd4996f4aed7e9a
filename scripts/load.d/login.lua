-- The whole authorization code flow, as a browser and an app make it: authorize page, consent form, token.
-- Run with one connection per thread (-t N -c N): each thread walks its own flow.
counted = 0
local step = 1
local transaction, csrf, code
local channel = os.getenv("LOAD_CLIENT_ID")
local secret = os.getenv("LOAD_CLIENT_SECRET")
local user = os.getenv("LOAD_USER_ID")
local callback = "http://127.0.0.1:8080/callback"
local authorize = "/oauth2/v2.1/authorize?response_type=code&client_id=" .. channel ..
  "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&state=load&scope=profile%20openid&nonce=n"

local function encode(value)
  return (value:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

request = function()
  if step == 1 then
    return wrk.format("GET", authorize)
  elseif step == 2 then
    local body = "transaction=" .. encode(transaction) .. "&csrf=" .. csrf .. "&decision=allow&user_id=" .. user
    return wrk.format("POST", "/oauth2/v2.1/authorize/consent",
      { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "linekit_csrf=" .. csrf }, body)
  else
    local body = "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. encode(callback) ..
      "&client_id=" .. channel .. "&client_secret=" .. secret
    return wrk.format("POST", "/oauth2/v2.1/token", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
end

response = function(status, headers, body)
  if step == 1 then
    transaction = body:match('name="transaction" value="([^"]+)"')
    csrf = body:match('name="csrf" value="([^"]+)"')
    step = (transaction and csrf) and 2 or 1
  elseif step == 2 then
    local location = headers["Location"] or headers["location"] or ""
    code = location:match("[?&]code=([^&]+)")
    step = code and 3 or 1
  else
    if status == 200 then counted = counted + 1 end
    step = 1
  end
end
