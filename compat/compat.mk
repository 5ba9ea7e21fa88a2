# SPDX-License-Identifier: GPL-2.0
#
# Shared build glue for every pvtools module directory. Include it from a
# module's Kbuild *after* its obj-m and <module>-y lines:
#     include $(src)/../compat/compat.mk
# It adds the shared include paths, the version string (single source:
# dkms.conf) and generates $(obj)/compat_generated.h from the target
# kernel's headers before any object of the directory is compiled.

pvtools_root := $(abspath $(src)/..)
pvtools_version := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(pvtools_root)/dkms.conf)

ccflags-y += -I$(pvtools_root)/include -I$(pvtools_root)/compat -I$(obj)
ccflags-y += -DPVTOOLS_VERSION='"$(pvtools_version)"'

pvtools_objs := $(foreach m,$(obj-m:.o=),$($(m)-y))

$(addprefix $(obj)/,$(pvtools_objs)): $(obj)/compat_generated.h

quiet_cmd_pvtools_compat = COMPAT  $@
      cmd_pvtools_compat = $(CONFIG_SHELL) $(pvtools_root)/compat/detect.sh $(srctree) $(objtree) $@

$(obj)/compat_generated.h: $(pvtools_root)/compat/detect.sh FORCE
	$(call cmd,pvtools_compat)

clean-files += compat_generated.h
