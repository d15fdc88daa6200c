// The JSON document of a rights request, shared by the request and organization routes.
#pragma once

#include "privet/rights.h"
#include "server/json_io.h"

namespace privet::server {

Json RequestJson(const RightsRequest& r);

}  // namespace privet::server
