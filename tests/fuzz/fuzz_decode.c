// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the payload decoders: any bytes, as any decoded application over TCP
 * or UDP, must decode without reading outside them, and the escaped name must be printable
 * ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "wirelens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int apps[] = {WL_APP_DNS, WL_APP_MDNS, WL_APP_LLMNR, WL_APP_HTTP, WL_APP_TLS};
	char text[4 * WL_DEC_NAME_MAX + 8];
	struct wl_decoded d;
	uint8_t *copy;
	size_t n;

	if (!size)
		return 0;
	/* An exact-size copy, so that ASan sees a read one byte too far. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	wl_decode(apps[data[0] % 5], data[0] & 0x80 ? 6 : 17, copy, size - 1, &d);
	if (d.name_len > WL_DEC_NAME_MAX || d.kind > WL_DEC_HTTP_RESPONSE)
		abort();
	n = wl_escape_bytes(d.name, d.name_len, text, sizeof(text));
	if (n != strlen(text))
		abort();
	for (size_t i = 0; i < n; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			abort();
	free(copy);
	return 0;
}
