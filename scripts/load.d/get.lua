-- GET a fixed path (the path comes from the URL given to wrk).
counted = 0
function response(status, headers, body)
  if status == 200 then counted = counted + 1 end
end
