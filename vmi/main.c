// SPDX-License-Identifier: GPL-2.0
/*
 * vmi_timer: the VMI paravirtual timer (PCI 15ad:0801) as a clocksource,
 * per-CPU clockevents and per-CPU stolen time for admins. The PCI driver:
 * discovery through the VMI option ROM (docs/protocol/vmi.md §1), probe
 * checks (§5.5), the degrade path of the safety net (§5.6) and removal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "pvtools_compat.h"
#include "vmi_timer.h"

unsigned int vmi_param_cs_rating = 150;
module_param_named(cs_rating, vmi_param_cs_rating, uint, 0444);
MODULE_PARM_DESC(cs_rating, "Clocksource rating; the default 150 is below tsc (300), hpet and acpi_pm, so vmi-timer is used only when selected; 450 = historical VMI (default: 150)");

bool vmi_param_cs_enable = true;
module_param_named(cs_enable, vmi_param_cs_enable, bool, 0444);
MODULE_PARM_DESC(cs_enable, "Register the clocksource (default: on)");

bool vmi_param_ce_enable;
module_param_named(ce_enable, vmi_param_ce_enable, bool, 0444);
MODULE_PARM_DESC(ce_enable, "Register per-CPU clockevents on every CPU but guardian_cpu; the module then cannot be unloaded (see vmi/README) (default: off)");

unsigned int vmi_param_ce_rating = 300;
module_param_named(ce_rating, vmi_param_ce_rating, uint, 0444);
MODULE_PARM_DESC(ce_rating, "Clockevent rating, 151..1000: above the local APIC timer (150) so the device is never left over for the broadcast layer (default: 300)");

unsigned int vmi_param_guardian_cpu;
module_param_named(guardian_cpu, vmi_param_guardian_cpu, uint, 0444);
MODULE_PARM_DESC(guardian_cpu, "CPU that keeps its local APIC timer and watches the others (default: 0)");

unsigned int vmi_param_grace_us = 10000;
module_param_named(grace_us, vmi_param_grace_us, uint, 0444);
MODULE_PARM_DESC(grace_us, "Lateness of an alarm before the guardian delivers it itself, 1000..1000000 us (default: 10000)");

unsigned int vmi_param_storm_hz = 5000;
module_param_named(storm_hz, vmi_param_storm_hz, uint, 0444);
MODULE_PARM_DESC(storm_hz, "Interrupts per second on one CPU above which the device is taken out of service (default: 5000)");

bool vmi_param_use_page = true;
module_param_named(use_page, vmi_param_use_page, bool, 0444);
MODULE_PARM_DESC(use_page, "Read REAL from the shared page (a TSC read) instead of the register (default: on)");

bool vmi_param_clamp = true;
module_param_named(clamp, vmi_param_clamp, bool, 0444);
MODULE_PARM_DESC(clamp, "Never return a REAL below one already returned on any CPU (default: on)");

/* Historical discovery: the version in the option ROM (§1.2), else BAR0's. */
static void vmi_rom_version(struct vmi_dev *d, unsigned int *maj, unsigned int *min)
{
	void __iomem *rom;
	size_t size;

	*maj = readb(d->regs + VMI_REG_API_MAJOR);
	*min = readb(d->regs + VMI_REG_API_MINOR);
	rom = pci_map_rom(d->pdev, &size);
	if (!rom)
		return;
	if (size > VMI_ROM_OFF_API_MAJ && readw(rom) == VMI_ROM_SIGNATURE &&
	    readl(rom + VMI_ROM_OFF_VSIG) == VMI_SIGNATURE) {
		*maj = readb(rom + VMI_ROM_OFF_API_MAJ);
		*min = readb(rom + VMI_ROM_OFF_API_MIN);
	}
	pci_unmap_rom(d->pdev, rom);
}

static void vmi_fault_irq_work(struct irq_work *w)
{
	struct vmi_dev *d = container_of(w, struct vmi_dev, fault_work);

	schedule_work(&d->degrade_work);
}

/* Takes the device out of service; caller holds @d->lock. Idempotent. */
static void vmi_shut(struct vmi_dev *d)
{
	lockdep_assert_held(&d->lock);
	if (d->degraded)
		return;
	d->degraded = true;
	vmi_events_stop(d);
	/* CPUs that could not get their timer back live on its relay. */
	if (!d->relay_cpus)
		vmi_guardian_stop(d);
	vmi_cs_unregister(d);
	vmi_wr32(d, VMI_REG_CONTROL, 0);
}

/**
 * vmi_degrade_work() - the safety net's fallback (docs/protocol/vmi.md §5.6).
 * @work: &vmi_dev.degrade_work.
 *
 * Every CPU goes back to its previous clockevent device, the clocksource is
 * unregistered (the core picks the next best), alarms are disabled, and one
 * line says why. The module stays loaded and inert.
 */
void vmi_degrade_work(struct work_struct *work)
{
	struct vmi_dev *d = container_of(work, struct vmi_dev, degrade_work);
	char why[96];

	mutex_lock(&d->lock);
	if (!d->degraded) {
		vmi_shut(d);
		snprintf(why, sizeof(why), "%s", vmi_fault_name(atomic_read(&d->fault)));
		if (d->back_step)
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " by %llu cycles",
				 d->back_step);
		if (d->relay_cpus)
			dev_err(&d->pdev->dev,
				"device misbehaved (%s); clocksource reverted, %u CPUs kept on the guardian's timer relay (their local APIC timer is held by the broadcast layer)\n",
				why, d->relay_cpus);
		else
			dev_err(&d->pdev->dev,
				"device misbehaved (%s); reverted to the previous clockevents and clocksource\n",
				why);
	}
	mutex_unlock(&d->lock);
}

static ssize_t stolen_ns_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vmi_dev *d = dev_get_drvdata(dev);
	unsigned int cpu;
	int len = 0;

	for_each_possible_cpu(cpu) {
		u64 stolen;

		if (cpu >= d->nr_slots)
			break;
		stolen = vmi_rd64(d, VMI_SLOT_BASE(cpu) + VMI_SLOT_STOLEN_COUNTER);
		len += sysfs_emit_at(buf, len, "cpu%u %llu\n", cpu,
				     mul_u64_u64_div_u64(stolen, NSEC_PER_SEC, d->freq));
	}
	return len;
}
static DEVICE_ATTR_RO(stolen_ns);

static struct attribute *vmi_attrs[] = {
	&dev_attr_stolen_ns.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vmi);

static int vmi_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	unsigned int maj, min, cpu, max_slots;
	struct vmi_dev *d;
	bool events;
	int ret;

	if (vmi_param_ce_rating <= 150 || vmi_param_ce_rating > 1000) {
		dev_err(dev, "ce_rating must be 151..1000\n");
		return -EINVAL;
	}
	if (vmi_param_grace_us < 1000 || vmi_param_grace_us > 1000000) {
		dev_err(dev, "grace_us must be 1000..1000000\n");
		return -EINVAL;
	}
	d = devm_kzalloc(dev, sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->pdev = pdev;
	mutex_init(&d->lock);
	init_irq_work(&d->fault_work, vmi_fault_irq_work);
	INIT_WORK(&d->degrade_work, vmi_degrade_work);

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	if (pci_resource_len(pdev, 0) < VMI_SLOT_BASE(1) ||
	    !(pci_resource_flags(pdev, 0) & IORESOURCE_MEM))
		return -ENODEV;
	ret = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (ret)
		return ret;
	d->regs = pcim_iomap_table(pdev)[0];

	/* §5.5 step 1: our register map, API 3. A real ESX VMI device has none. */
	if (vmi_rd32(d, VMI_REG_MAGIC) != VMI_SIGNATURE) {
		dev_info(dev, "no VMI timer registers in BAR0\n");
		return -ENODEV;
	}
	vmi_rom_version(d, &maj, &min);
	pr_info("Detected VMI ROM version %u.%u\n", maj, min);
	if (maj != VMI_API_REV_MAJOR) {
		pr_err("VMI: Found mismatched rom version %u.%u\n", maj, min);
		return -ENODEV;
	}

	/* Step 2: frequency 0 means the host disabled the timer. */
	d->freq = vmi_rd64(d, VMI_REG_CYCLE_FREQUENCY);
	if (!d->freq) {
		dev_info(dev, "host disabled the timer (cycle frequency 0)\n");
		return -ENODEV;
	}
	if (d->freq < 1000000 || d->freq > U32_MAX) {
		dev_err(dev, "cycle frequency %llu Hz outside 1 MHz..%u Hz\n", d->freq, U32_MAX);
		return -ENODEV;
	}
	max_slots = (pci_resource_len(pdev, 0) - VMI_GLOBAL_SIZE) / VMI_SLOT_SIZE;
	d->nr_slots = min(vmi_rd32(d, VMI_REG_NR_SLOTS), max_slots);
	pr_info("VMI Timer active.\n");

	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	vmi_wr32(d, VMI_REG_CONTROL, VMI_CONTROL_ENABLE | VMI_CONTROL_RESET_ALARMS);
	ret = vmi_clock_setup(d);		/* step 3, and the shared page */
	if (ret)
		goto err_disable;

	d->cpus = alloc_percpu(struct vmi_cpu);
	if (!d->cpus) {
		ret = -ENOMEM;
		goto err_page;
	}
	for_each_possible_cpu(cpu) {
		struct vmi_cpu *pc = per_cpu_ptr(d->cpus, cpu);

		pc->dev = d;
		pc->cpu = cpu;
		pc->vector = -1;
	}
	d->guardian_cpu = vmi_param_guardian_cpu;
	pci_set_drvdata(pdev, d);

	if (vmi_param_cs_enable) {
		ret = vmi_cs_register(d);
		if (ret)
			goto err_percpu;
	}
	events = false;
	if (vmi_param_ce_enable) {
		mutex_lock(&d->lock);
		ret = vmi_events_start(d);
		mutex_unlock(&d->lock);
		if (ret)
			dev_info(dev, "no clockevents (%d): clocksource only\n", ret);
		events = !ret;
	}
	vmi_guardian_start(d);
	vmi_debugfs_init(d);
	dev_info(dev, "pci, %llu Hz, %u slots, clockevents on %u CPUs, REAL from %s, cs rating %u, ce rating %u\n",
		 d->freq, d->nr_slots, events ? num_online_cpus() - 1 : 0,
		 d->page ? "shared page" : "register",
		 vmi_param_cs_enable ? vmi_param_cs_rating : 0, vmi_param_ce_rating);
	return 0;

err_percpu:
	free_percpu(d->cpus);
err_page:
	if (d->page) {
		vmi_wr64(d, VMI_REG_SHARED_PAGE_GPA, 0);
		dma_free_coherent(dev, VMI_SHARED_PAGE_SIZE, d->page, d->page_dma);
	}
err_disable:
	vmi_wr32(d, VMI_REG_CONTROL, 0);
	return ret;
}

static void vmi_remove(struct pci_dev *pdev)
{
	struct vmi_dev *d = pci_get_drvdata(pdev);

	vmi_debugfs_exit(d);
	mutex_lock(&d->lock);
	vmi_shut(d);
	mutex_unlock(&d->lock);
	irq_work_sync(&d->fault_work);
	cancel_work_sync(&d->degrade_work);
	if (d->page) {
		vmi_wr64(d, VMI_REG_SHARED_PAGE_GPA, 0);
		dma_free_coherent(&pdev->dev, VMI_SHARED_PAGE_SIZE, d->page, d->page_dma);
		d->page = NULL;
	}
	free_percpu(d->cpus);
}

static const struct pci_device_id vmi_ids[] = {
	{ PCI_DEVICE(VMI_PCI_VENDOR_ID, VMI_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vmi_ids);

static struct pci_driver vmi_driver = {
	.name = "vmi_timer",
	.id_table = vmi_ids,
	.probe = vmi_probe,
	.remove = vmi_remove,
	PVTOOLS_PCI_DEV_GROUPS(vmi_groups),
	/* Unbinding in use would leave CPUs ticking from freed code. */
	.driver.suppress_bind_attrs = true,
};
module_pci_driver(vmi_driver);

MODULE_AUTHOR("pvtools");
MODULE_DESCRIPTION("VMI paravirtual timer: clocksource, clockevents and stolen time");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVTOOLS_VERSION);
