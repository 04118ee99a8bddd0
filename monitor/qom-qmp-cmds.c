/*
 * QOM and device QMP commands (filled in against qom/ and hw/core/).
 */
#include "qemu/osdep.h"
#include "monitor/monitor-internal.h"
#include "monitor/qmp.h"

void qmp_register_qom_commands(void)
{
}
