// SPDX-License-Identifier: GPL-2.0
/*
 * vmxnet: the Flexible adapter. VMware's Flexible NIC is an AMD PCnet32
 * ("vlance", 1022:2000) that pcnet32 drives; its BAR0 also holds a 16-bit
 * morph port (+0x20) and the vmxnet register block (+0x24). Writing
 * VMXNET_CHIP to the port switches the device to vmxnet, LANCE_CHIP back;
 * each switch resets the device. We switch on probe and resume, back on
 * remove, suspend and shutdown. A 1022:2000 device without a BAR big enough
 * for the layout, or whose port answers neither value (a real PCnet, QEMU's
 * own pcnet), or that refuses the switch, is not ours: -ENODEV, and pcnet32
 * keeps it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/pci.h>

#include "vmxnet.h"

static u16 morph_read(struct vmxnet *vp)
{
	return ioread16(vp->morph);
}

/* Writes @mode and reads it back: whether the device is in @mode now. */
static bool morph_to(struct vmxnet *vp, u16 mode)
{
	iowrite16(mode, vp->morph);
	return morph_read(vp) == mode;
}

/**
 * vmxnet_flex_switch - switch a Flexible adapter to vmxnet mode
 * @vp: the device, mapped by vmxnet_flex_map()
 * @reset: a device found already in vmxnet mode (left so by an earlier
 *	kernel) is switched to vlance first, so it starts from the reset the
 *	switch implies; without @reset (resume, after our own suspend switched
 *	back) it is taken as it is
 *
 * On failure the device is left in vlance mode.
 *
 * Return: 0, or -ENODEV after one log line saying why.
 */
int vmxnet_flex_switch(struct vmxnet *vp, bool reset)
{
	struct device *dev = &vp->pdev->dev;
	u16 mode = morph_read(vp);

	if (mode != LANCE_CHIP && mode != VMXNET_CHIP) {
		dev_info(dev, "morph port reads %#06x, neither vlance nor vmxnet: left to pcnet32\n",
			 mode);
		return -ENODEV;
	}
	if (mode == VMXNET_CHIP) {
		if (!reset)
			return 0;
		if (!morph_to(vp, LANCE_CHIP)) {
			dev_warn(dev, "found in vmxnet mode and cannot be reset to vlance: left alone\n");
			return -ENODEV;
		}
	}
	if (!morph_to(vp, VMXNET_CHIP)) {
		mode = morph_read(vp);
		/* Whatever it did, leave it as pcnet32 expects it. */
		if (mode != LANCE_CHIP)
			morph_to(vp, LANCE_CHIP);
		dev_warn(dev, "refused the switch to vmxnet (morph port reads %#06x): left to pcnet32\n",
			 mode);
		return -ENODEV;
	}
	return 0;
}

/**
 * vmxnet_flex_unswitch - give a Flexible adapter back to vlance mode
 * @vp: the device, switched by vmxnet_flex_switch()
 *
 * The device must be detached (INIT_ADDR 0) first; the switch resets it.
 */
void vmxnet_flex_unswitch(struct vmxnet *vp)
{
	if (morph_read(vp) == LANCE_CHIP)
		return;
	if (!morph_to(vp, LANCE_CHIP))
		dev_warn(&vp->pdev->dev, "did not switch back to vlance (morph port reads %#06x)\n",
			 morph_read(vp));
}

/**
 * vmxnet_flex_map - claim and map BAR0 of a 1022:2000 device, switch it
 * @vp: the device; on success vp->io points at the vmxnet registers and
 *	vp->morph at the morph port
 *
 * Return: 0; -ENODEV when the device is not a Flexible adapter or refuses the
 * switch (one log line); another error when BAR0 cannot be claimed.
 */
int vmxnet_flex_map(struct vmxnet *vp)
{
	struct pci_dev *pdev = vp->pdev;
	void __iomem *base;
	int err;

	if (!(pci_resource_flags(pdev, 0) & IORESOURCE_IO) ||
	    pci_resource_len(pdev, 0) < VMXNET_MORPH_IO_MIN_SIZE) {
		dev_info(&pdev->dev,
			 "BAR0 of %llu bytes is too small for a Flexible adapter (%u): left to pcnet32\n",
			 (unsigned long long)pci_resource_len(pdev, 0),
			 VMXNET_MORPH_IO_MIN_SIZE);
		return -ENODEV;
	}
	err = pci_request_region(pdev, 0, VMXNET_DRV_NAME);
	if (err)
		return err;
	base = pci_iomap(pdev, 0, VMXNET_MORPH_IO_MIN_SIZE);
	if (!base) {
		pci_release_region(pdev, 0);
		return -ENOMEM;
	}
	vp->morph = base + VMXNET_MORPH_PORT;
	vp->io = base + VMXNET_MORPH_REGS;
	err = vmxnet_flex_switch(vp, true);
	if (err) {
		pci_iounmap(pdev, base);
		pci_release_region(pdev, 0);
		vp->morph = NULL;
		vp->io = NULL;
	}
	return err;
}

/**
 * vmxnet_flex_unmap - switch back to vlance and release BAR0
 * @vp: the device, mapped by vmxnet_flex_map() and detached
 */
void vmxnet_flex_unmap(struct vmxnet *vp)
{
	vmxnet_flex_unswitch(vp);
	pci_iounmap(vp->pdev, vp->morph - VMXNET_MORPH_PORT);
	pci_release_region(vp->pdev, 0);
}
