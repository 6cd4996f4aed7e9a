-- POST a fixed form body, given in the environment variable LOAD_BODY.
counted = 0
wrk.method = "POST"
wrk.body = os.getenv("LOAD_BODY")
wrk.headers["Content-Type"] = os.getenv("LOAD_CONTENT_TYPE") or "application/x-www-form-urlencoded"
local bearer = os.getenv("LOAD_BEARER")
if bearer and bearer ~= "" then wrk.headers["Authorization"] = "Bearer " .. bearer end
function response(status, headers, body)
  if status == 200 then counted = counted + 1 end
end
