/* cwprogress core: everything provider-neutral. Link cwp_core. */
#ifndef CWP_CWP_H
#define CWP_CWP_H
#include "cwp/common.h"
#include "cwp/parse.h"
#include "cwp/record.h"
#include "cwp/index.h"
#include "cwp/config.h"
#include "cwp/plan.h"
#include "cwp/json.h"
#endif
