#ifndef EVQ_CLZ4_SHIM_H
#define EVQ_CLZ4_SHIM_H
#include <lz4.h>
#endif
