/* Emby as a side of a sync: emby_client behind the engine's provider
 * interface (cwp/sync.h). The provider borrows the client: the caller
 * creates it (emby_client_new), keeps it alive during the run and frees it. */
#ifndef EMBY_PROVIDER_H
#define EMBY_PROVIDER_H

#include "cwp/sync.h"
#include "emby/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill *out (CWP_SYNC_PROVIDER_VERSION) with the Emby calls on client. */
int emby_provider_init(cwp_sync_provider *out, emby_client *client);

#ifdef __cplusplus
}
#endif
#endif
