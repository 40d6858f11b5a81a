/* SPDX-License-Identifier: MIT */
/* The wirelens version, printed by --version and in every snapshot. */
#ifndef WL_VERSION_H
#define WL_VERSION_H

#define WL_VERSION "0.1.0"

#endif
